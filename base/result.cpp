#include "base/result.h"

namespace hearth {

const char* errc_name(Errc code) {
    switch (code) {
        case Errc::kInvalidArgument: return "invalid_argument";
        case Errc::kNotFound: return "not_found";
        case Errc::kCorrupt: return "corrupt";
        case Errc::kUnsupported: return "unsupported";
        case Errc::kOutOfRange: return "out_of_range";
        case Errc::kResourceExhausted: return "resource_exhausted";
        case Errc::kIo: return "io_error";
        case Errc::kCancelled: return "cancelled";
        case Errc::kTimeout: return "timeout";
        case Errc::kUnavailable: return "unavailable";
        case Errc::kPermissionDenied: return "permission_denied";
        case Errc::kUnauthenticated: return "unauthenticated";
        case Errc::kAlreadyExists: return "already_exists";
        case Errc::kFailedPrecondition: return "failed_precondition";
        case Errc::kInternal: return "internal";
    }
    return "internal";
}

}  // namespace hearth
