#include "ta_common.h"

const char *ta_status_str(ta_status status) {
    switch (status) {
    case TA_OK: return "TA_OK";
    case TA_ERR_NULL: return "TA_ERR_NULL";
    case TA_ERR_SIZE: return "TA_ERR_SIZE";
    case TA_ERR_CONFIG: return "TA_ERR_CONFIG";
    case TA_ERR_NOT_READY: return "TA_ERR_NOT_READY";
    case TA_ERR_NONFINITE: return "TA_ERR_NONFINITE";
    default: return "TA_UNKNOWN_STATUS";
    }
}
