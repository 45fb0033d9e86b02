/* Objects for tests: a generic one with every resource type and shape
 * (optionally transactional), and an access-control object (2 or 11002). */
#ifndef SL_TEST_OBJECTS_H
#define SL_TEST_OBJECTS_H

#include "sidelink/object.h"

#define TOBJ_MAX_INST 4
#define TOBJ_MULTI_MAX 4

/* Resources of a tobj: */
enum {
    TOBJ_STR = 0,    /* STRING RW mandatory */
    TOBJ_NUM = 1,    /* INT RW */
    TOBJ_SENSOR = 2, /* FLOAT R */
    TOBJ_MULTI = 3,  /* INT RW multiple */
    TOBJ_EXEC = 4,   /* Execute */
    TOBJ_OPT = 5,    /* BOOL RW optional (absent until written) */
    TOBJ_TIME = 6,   /* TIME R */
    TOBJ_LNK = 7,    /* OBJLNK RW */
    TOBJ_BLOB = 8    /* OPAQUE RW */
};

struct tobj_inst {
    bool used;
    uint16_t iid;
    bool str_present;
    char str[48];
    size_t str_len;
    int64_t num;
    double sensor;
    uint16_t multi_riid[TOBJ_MULTI_MAX];
    int64_t multi_val[TOBJ_MULTI_MAX];
    uint8_t multi_count;
    bool opt_present;
    bool opt;
    int64_t time;
    struct sl_objlnk lnk;
    uint8_t blob[600];
    size_t blob_len;
};

struct tobj {
    struct sl_obj obj;
    struct sl_obj_def def;
    struct tobj_inst inst[TOBJ_MAX_INST];
    struct tobj_inst backup[TOBJ_MAX_INST];
    unsigned exec_count;
    uint8_t exec_args[32];
    size_t exec_len;
    unsigned writes;
    int fail_write_after; /* >= 0: the n-th write (0-based) fails */
    bool in_txn;
    unsigned commits, rollbacks;
};

void tobj_init(struct tobj *t, uint16_t oid, bool multi_instance, bool transactional);
struct tobj_inst *tobj_add(struct tobj *t, uint16_t iid);
struct tobj_inst *tobj_get(struct tobj *t, uint16_t iid);

#define TACO_MAX_INST 8
#define TACO_MAX_ACL 4

struct taco_inst {
    bool used;
    uint16_t iid;
    int64_t oid, oiid, owner;
    uint16_t acl_id[TACO_MAX_ACL];
    int64_t acl_val[TACO_MAX_ACL];
    uint8_t acl_count;
};

struct taco {
    struct sl_obj obj;
    struct sl_obj_def def;
    struct taco_inst inst[TACO_MAX_INST];
};

void taco_init(struct taco *t, uint16_t oid);
/* An instance for (oid, oiid) owned by `owner`; then taco_acl() entries. */
struct taco_inst *taco_add(struct taco *t, uint16_t iid, uint16_t oid, uint16_t oiid,
                           uint16_t owner);
void taco_acl(struct taco_inst *i, uint16_t id, uint16_t rights);

#endif
