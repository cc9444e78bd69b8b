#include "access/audit_log.h"

#include <array>

namespace hearth::access {
namespace {

constexpr std::array<const char*, 3> kOutcomeNames = {"success", "denied", "failure"};

// Cuts `text` to at most `max_bytes` without splitting a UTF-8 sequence.
std::string_view bounded(std::string_view text, size_t max_bytes) {
    if (text.size() <= max_bytes) return text;
    size_t end = max_bytes;
    while (end > 0 && (static_cast<uint8_t>(text[end]) & 0xC0) == 0x80) --end;
    return text.substr(0, end);
}

}  // namespace

const char* outcome_name(Outcome outcome) {
    return kOutcomeNames[static_cast<size_t>(outcome)];
}

std::optional<Outcome> parse_outcome(std::string_view name) {
    for (size_t idx = 0; idx < kOutcomeNames.size(); ++idx)
        if (name == kOutcomeNames[idx]) return static_cast<Outcome>(idx);
    return std::nullopt;
}

Result<int64_t> append_audit(store::Session& session, const AuditEvent& event,
                             int64_t now_unix_ms) {
    HEARTH_ASSIGN_OR_RETURN(
        store::Statement insert,
        session.prepare("INSERT INTO audit_log "
                        "(unix_ms, actor, key_id, action, resource, client, outcome, detail) "
                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
    insert.bind(1, event.unix_ms != 0 ? event.unix_ms : now_unix_ms)
        .bind(2, bounded(event.actor, 128))
        .bind(3, event.key_id)
        .bind(4, bounded(event.action, 64))
        .bind(5, bounded(event.resource, 512))
        .bind(6, bounded(event.client, 128))
        .bind(7, outcome_name(event.outcome))
        .bind(8, bounded(event.detail, 2048));
    HEARTH_TRY(insert.run());
    return session.last_insert_rowid();
}

Result<int64_t> AuditLog::append(const AuditEvent& event) {
    store::Session session = db_.session();
    // One statement outside a transaction is its own transaction: committed when it returns.
    return append_audit(session, event, clock_.unix_ms());
}

Result<std::vector<AuditRecord>> AuditLog::query(const AuditQuery& query) {
    if (query.limit < 1 || query.limit > kMaxAuditQueryLimit)
        return Error::make(Errc::kInvalidArgument, "limit must be between 1 and {}, not {}",
                           kMaxAuditQueryLimit, query.limit);
    if (query.since_unix_ms && query.until_unix_ms && *query.since_unix_ms >= *query.until_unix_ms)
        return Error::make(Errc::kInvalidArgument,
                           "the time range is empty: 'since' must come before 'until'");
    store::Session session = db_.session();
    HEARTH_ASSIGN_OR_RETURN(
        store::Statement select,
        session.prepare(
            "SELECT id, unix_ms, actor, key_id, action, resource, client, outcome, detail "
            "FROM audit_log WHERE "
            "(?1 IS NULL OR unix_ms >= ?1) AND (?2 IS NULL OR unix_ms < ?2) AND "
            "(?3 IS NULL OR key_id = ?3) AND (?4 IS NULL OR actor = ?4) AND "
            "(?5 IS NULL OR action = ?5 OR "
            " (substr(?5, -1) = '.' AND substr(action, 1, length(?5)) = ?5)) AND "
            "(?6 IS NULL OR outcome = ?6) AND (?7 IS NULL OR id < ?7) "
            "ORDER BY id DESC LIMIT ?8"));
    select.bind(1, query.since_unix_ms).bind(2, query.until_unix_ms).bind(3, query.key_id);
    if (query.actor) select.bind(4, *query.actor);
    if (query.action) select.bind(5, *query.action);
    if (query.outcome) select.bind(6, outcome_name(*query.outcome));
    select.bind(7, query.before_id).bind(8, query.limit);

    std::vector<AuditRecord> records;
    while (true) {
        HEARTH_ASSIGN_OR_RETURN(bool row, select.step());
        if (!row) break;
        AuditRecord record;
        record.id = select.column_int(0);
        record.event.unix_ms = select.column_int(1);
        record.event.actor = select.column_text(2);
        record.event.key_id = select.column_optional_int(3);
        record.event.action = select.column_text(4);
        record.event.resource = select.column_text(5);
        record.event.client = select.column_text(6);
        record.event.outcome = parse_outcome(select.column_text(7)).value_or(Outcome::kFailure);
        record.event.detail = select.column_text(8);
        records.push_back(std::move(record));
    }
    return records;
}

Result<int64_t> AuditLog::prune_before(int64_t unix_ms) {
    store::Session session = db_.session();
    HEARTH_ASSIGN_OR_RETURN(store::Statement remove,
                            session.prepare("DELETE FROM audit_log WHERE unix_ms < ?1"));
    HEARTH_TRY(remove.bind(1, unix_ms).run());
    return session.changes();
}

}  // namespace hearth::access
