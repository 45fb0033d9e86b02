/* sl-oscore-pcap: write an OSCORE exchange protected by Sidelink's OSCORE
 * (src/security/oscore.c) into a pcap file, for an independent decoder
 * (tshark) to decrypt. A client (Sender ID 01, Recipient ID 02) sends a
 * confirmable GET /3/0/0 and a POST /3311/0/5850 with a payload; the server
 * answers 2.05 "Sidelink" (reusing the request's nonce) and 2.04 (with its
 * own Partial IV). The master secret and salt are random per run and
 * printed as JSON on stdout with the IDs, for the test to hand to tshark.
 *
 * usage: sl-oscore-pcap OUT.pcap
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coap/coap_msg.h"
#include "security/oscore.h"
#include "sidelink/types.h"

/* pcap: LINKTYPE_RAW (raw IPv4) */
#define LINKTYPE_RAW 101

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static unsigned ip_checksum(const uint8_t *p, size_t n)
{
    uint32_t sum = 0;
    for (size_t k = 0; k + 1 < n; k += 2)
        sum += (uint32_t)(p[k] << 8 | p[k + 1]);
    while (sum >> 16)
        sum = (sum & 0xFFFF) + (sum >> 16);
    return ~sum & 0xFFFF;
}

static int write_packet(FILE *f, unsigned sec, bool to_server, const uint8_t *coap, size_t len)
{
    uint8_t pkt[2048];
    size_t total = 20 + 8 + len;
    if (total > sizeof pkt)
        return -1;
    memset(pkt, 0, 28);
    pkt[0] = 0x45;                 /* IPv4, 20-byte header */
    put16(pkt + 2, (unsigned)total);
    pkt[8] = 64;                   /* TTL */
    pkt[9] = 17;                   /* UDP */
    uint8_t cli[4] = { 127, 0, 0, 1 }, srv[4] = { 127, 0, 0, 2 };
    memcpy(pkt + 12, to_server ? cli : srv, 4);
    memcpy(pkt + 16, to_server ? srv : cli, 4);
    put16(pkt + 10, ip_checksum(pkt, 20));
    put16(pkt + 20, to_server ? 40000 : 5683); /* source port */
    put16(pkt + 22, to_server ? 5683 : 40000); /* destination port: CoAP */
    put16(pkt + 24, (unsigned)(8 + len));
    /* UDP checksum 0: none (allowed over IPv4) */
    memcpy(pkt + 28, coap, len);
    uint32_t rec[4] = { sec, 0, (uint32_t)total, (uint32_t)total };
    return fwrite(rec, sizeof rec, 1, f) == 1 && fwrite(pkt, total, 1, f) == 1 ? 0 : -1;
}

static void hex(const uint8_t *p, size_t n)
{
    for (size_t k = 0; k < n; k++)
        printf("%02x", p[k]);
}

static int fail(const char *what, sl_err err)
{
    fprintf(stderr, "sl-oscore-pcap: %s: %s\n", what, sl_err_str(err));
    return 1;
}

/* The pcap header and the two exchanges; 0, or 1 after a message. */
static int write_exchanges(FILE *f, struct sl_oscore_ctx *cctx, struct sl_oscore_ctx *sctx)
{
    sl_err err;
    uint32_t hdr[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, 65535, LINKTYPE_RAW };
    if (fwrite(hdr, sizeof hdr, 1, f) != 1)
        return fail("write", SL_ERR_IO);

    for (unsigned ex = 0; ex < 2; ex++) {
        uint8_t plain[256], prot[512], inner[512];
        size_t plain_len, prot_len, inner_len;
        struct sl_coap_builder b;
        uint8_t token[2] = { 0xA0, (uint8_t)ex };
        uint16_t mid = (uint16_t)(0x1000 + ex);
        sl_coap_build_begin(&b, plain, sizeof plain, SL_COAP_CON, ex ? SL_COAP_POST : SL_COAP_GET,
                            mid, token, sizeof token);
        const char *path[3] = { ex ? "3311" : "3", "0", ex ? "5850" : "0" };
        for (int k = 0; k < 3; k++)
            sl_coap_build_opt(&b, SL_COAP_OPT_URI_PATH, path[k], strlen(path[k]));
        if (ex) {
            sl_coap_build_opt_uint(&b, SL_COAP_OPT_CONTENT_FORMAT, SL_FMT_TEXT);
            sl_coap_build_payload(&b, "1", 1);
        }
        if ((err = sl_coap_build_end(&b, &plain_len)) != SL_OK)
            return fail("build", err);
        struct sl_coap_msg m, pm;
        struct sl_oscore_binding cb, sb;
        uint8_t code;
        if ((err = sl_coap_parse(&m, plain, plain_len)) != SL_OK ||
            (err = sl_oscore_protect_request(cctx, &m, 0, prot, sizeof prot, &prot_len, &cb)) !=
                SL_OK)
            return fail("protect request", err);
        if (write_packet(f, 1 + 2 * ex, true, prot, prot_len) < 0)
            return fail("write", SL_ERR_IO);
        if ((err = sl_coap_parse(&pm, prot, prot_len)) != SL_OK ||
            (err = sl_oscore_unprotect_request(sctx, &pm, inner, sizeof inner, &inner_len, &sb,
                                               &code)) != SL_OK)
            return fail("unprotect request", err);

        sl_coap_build_begin(&b, plain, sizeof plain, SL_COAP_ACK,
                            ex ? SL_COAP_CHANGED : SL_COAP_CONTENT, mid, token, sizeof token);
        if (!ex) {
            sl_coap_build_opt_uint(&b, SL_COAP_OPT_CONTENT_FORMAT, SL_FMT_TEXT);
            sl_coap_build_payload(&b, "Sidelink", 8);
        }
        if ((err = sl_coap_build_end(&b, &plain_len)) != SL_OK ||
            (err = sl_coap_parse(&m, plain, plain_len)) != SL_OK ||
            (err = sl_oscore_protect_response(sctx, &m, &sb, ex == 1, 0, prot, sizeof prot,
                                              &prot_len)) != SL_OK)
            return fail("protect response", err);
        if (write_packet(f, 2 + 2 * ex, false, prot, prot_len) < 0)
            return fail("write", SL_ERR_IO);
        if ((err = sl_coap_parse(&pm, prot, prot_len)) != SL_OK ||
            (err = sl_oscore_unprotect_response(cctx, &pm, &cb, inner, sizeof inner, &inner_len,
                                                &code)) != SL_OK)
            return fail("unprotect response", err);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2 || strcmp(argv[1], "--help") == 0) {
        fputs("usage: sl-oscore-pcap OUT.pcap\n", argc == 2 ? stdout : stderr);
        return argc == 2 ? 0 : 2;
    }
    uint8_t msec[16], salt[8];
    FILE *r = fopen("/dev/urandom", "rb");
    if (!r || fread(msec, sizeof msec, 1, r) != 1 || fread(salt, sizeof salt, 1, r) != 1)
        return fail("/dev/urandom", SL_ERR_IO);
    fclose(r);
    static const uint8_t cid[1] = { 0x01 }, sid[1] = { 0x02 };
    struct sl_oscore_ctx client, server;
    struct sl_oscore_params pc = { msec, sizeof msec, salt, sizeof salt, cid, 1, sid, 1, NULL, 0 };
    struct sl_oscore_params ps = { msec, sizeof msec, salt, sizeof salt, sid, 1, cid, 1, NULL, 0 };
    sl_err err;
    if ((err = sl_oscore_ctx_derive(&client, &pc)) != SL_OK ||
        (err = sl_oscore_ctx_derive(&server, &ps)) != SL_OK)
        return fail("derive", err);

    FILE *f = fopen(argv[1], "wb");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    int rc = write_exchanges(f, &client, &server);
    if (fclose(f) != 0 || rc != 0)
        return rc ? rc : fail("close", SL_ERR_IO);
    printf("{\"master_secret\":\"");
    hex(msec, sizeof msec);
    printf("\",\"master_salt\":\"");
    hex(salt, sizeof salt);
    printf("\",\"client_sender_id\":\"01\",\"client_recipient_id\":\"02\"}\n");
    return 0;
}
