// The audit log on a real database: append, query filters, bounds, and no committed row lost
// when the writing process is killed with SIGKILL in the middle of its writes.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>

#include "access/audit_log.h"
#include "access/schema.h"
#include "tests/util/process.h"

namespace hearth::access {
namespace {

class AuditLogTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto db = open_access_database(dir_.path(), clock_);
        ASSERT_TRUE(db.ok()) << db.error().message;
        db_ = std::move(db).value();
        log_ = std::make_unique<AuditLog>(*db_, clock_);
    }
    int64_t append(std::string actor, std::string action, Outcome outcome,
                   std::optional<int64_t> key_id = std::nullopt) {
        AuditEvent event{
            0,           std::move(actor), key_id,  std::move(action), "/v1/chat/completions",
            "192.0.2.7", outcome,          "detail"};
        auto id = log_->append(event);
        EXPECT_TRUE(id.ok()) << id.error().message;
        clock_.advance_seconds(1);
        return id.value_or(-1);
    }
    std::vector<int64_t> ids(const AuditQuery& query) {
        auto records = log_->query(query);
        EXPECT_TRUE(records.ok()) << records.error().message;
        std::vector<int64_t> found;
        if (records.ok())
            for (const AuditRecord& record : *records) found.push_back(record.id);
        return found;
    }

    test::TempDir dir_;
    ManualClock clock_;
    std::unique_ptr<store::Database> db_;
    std::unique_ptr<AuditLog> log_;
};

TEST_F(AuditLogTest, AppendsAndReadsBackEveryField) {
    const int64_t when = clock_.unix_ms();
    AuditEvent event{0,
                     "alice",
                     7,
                     "models.load",
                     "llama-3-8b",
                     "2001:db8::1",
                     Outcome::kDenied,
                     "403: models needs read-write"};
    auto id = log_->append(event);
    ASSERT_TRUE(id.ok()) << id.error().message;
    auto records = log_->query({});
    ASSERT_TRUE(records.ok());
    ASSERT_EQ(records->size(), 1u);
    const AuditRecord& record = (*records)[0];
    EXPECT_EQ(record.id, *id);
    EXPECT_EQ(record.event.unix_ms, when);  // 0 means now, by the log's clock
    EXPECT_EQ(record.event.actor, "alice");
    EXPECT_EQ(record.event.key_id, std::optional<int64_t>(7));
    EXPECT_EQ(record.event.action, "models.load");
    EXPECT_EQ(record.event.resource, "llama-3-8b");
    EXPECT_EQ(record.event.client, "2001:db8::1");
    EXPECT_EQ(record.event.outcome, Outcome::kDenied);
    EXPECT_EQ(record.event.detail, "403: models needs read-write");
    // An explicit time is kept.
    event.unix_ms = 42;
    ASSERT_TRUE(log_->append(event).ok());
    EXPECT_EQ(log_->query({.limit = 1}).value()[0].event.unix_ms, 42);
}

TEST_F(AuditLogTest, FiltersCombine) {
    const int64_t start = clock_.unix_ms();
    const int64_t a = append("alice", "keys.create", Outcome::kSuccess, 1);
    const int64_t b = append("bob", "auth.denied", Outcome::kDenied, 2);
    const int64_t c = append("alice", "keys.revoke", Outcome::kFailure, 1);
    const int64_t d = append("anonymous", "auth.denied", Outcome::kDenied);
    const int64_t e = append("alice", "models.load", Outcome::kSuccess, 1);

    EXPECT_EQ(ids({}), (std::vector<int64_t>{e, d, c, b, a}));  // newest first
    EXPECT_EQ(ids({.key_id = 1}), (std::vector<int64_t>{e, c, a}));
    EXPECT_EQ(ids({.actor = "anonymous"}), (std::vector<int64_t>{d}));
    EXPECT_EQ(ids({.action = "auth.denied"}), (std::vector<int64_t>{d, b}));
    EXPECT_EQ(ids({.action = "keys."}), (std::vector<int64_t>{c, a}));  // a family
    EXPECT_EQ(ids({.action = "keys"}), (std::vector<int64_t>{}));       // exact otherwise
    EXPECT_EQ(ids({.outcome = Outcome::kDenied}), (std::vector<int64_t>{d, b}));
    EXPECT_EQ(ids({.since_unix_ms = start + 1000, .until_unix_ms = start + 3000}),
              (std::vector<int64_t>{c, b}));
    EXPECT_EQ(ids({.key_id = 1, .outcome = Outcome::kSuccess}), (std::vector<int64_t>{e, a}));
    // Paging: two at a time, each page starting below the last id seen.
    EXPECT_EQ(ids({.limit = 2}), (std::vector<int64_t>{e, d}));
    EXPECT_EQ(ids({.before_id = d, .limit = 2}), (std::vector<int64_t>{c, b}));
    EXPECT_EQ(ids({.before_id = b, .limit = 2}), (std::vector<int64_t>{a}));
}

TEST_F(AuditLogTest, RefusesBadQueries) {
    for (int64_t limit : {int64_t{0}, int64_t{-1}, kMaxAuditQueryLimit + 1}) {
        auto refused = log_->query({.limit = limit});
        ASSERT_FALSE(refused.ok());
        EXPECT_EQ(refused.error().code, Errc::kInvalidArgument);
    }
    EXPECT_TRUE(log_->query({.limit = kMaxAuditQueryLimit}).ok());
    auto empty_range = log_->query({.since_unix_ms = 10, .until_unix_ms = 10});
    ASSERT_FALSE(empty_range.ok());
    EXPECT_EQ(empty_range.error().code, Errc::kInvalidArgument);
}

TEST_F(AuditLogTest, UntrustedTextIsBoundedAtACharacterBoundary) {
    // 'é' is two bytes; 64 bytes of action cut after 31 of them would split one.
    std::string action = "x";
    for (int idx = 0; idx < 100; ++idx) action += "\xc3\xa9";
    AuditEvent event{0,
                     std::string(1000, 'a'),
                     std::nullopt,
                     action,
                     std::string(10'000, 'r'),
                     std::string(500, 'c'),
                     Outcome::kDenied,
                     std::string(100'000, 'd')};
    ASSERT_TRUE(log_->append(event).ok());
    const AuditEvent stored = log_->query({}).value()[0].event;
    EXPECT_EQ(stored.actor.size(), 128u);
    EXPECT_EQ(stored.action, action.substr(0, 63));  // "x" and 31 whole characters
    EXPECT_EQ(stored.resource.size(), 512u);
    EXPECT_EQ(stored.client.size(), 128u);
    EXPECT_EQ(stored.detail.size(), 2048u);
}

TEST_F(AuditLogTest, PruneDeletesOnlyOlderRows) {
    append("a", "x", Outcome::kSuccess);
    const int64_t cut = clock_.unix_ms();
    const int64_t kept = append("b", "x", Outcome::kSuccess);
    auto pruned = log_->prune_before(cut);
    ASSERT_TRUE(pruned.ok());
    EXPECT_EQ(*pruned, 1);
    EXPECT_EQ(ids({}), (std::vector<int64_t>{kept}));
}

TEST_F(AuditLogTest, OutcomeNamesRoundTrip) {
    for (Outcome outcome : {Outcome::kSuccess, Outcome::kDenied, Outcome::kFailure})
        EXPECT_EQ(parse_outcome(outcome_name(outcome)), outcome);
    EXPECT_EQ(parse_outcome("ok"), std::nullopt);
}

// ---- kill -9 during writes ------------------------------------------------------------------

std::string detail_for(int64_t seq) {
    // Long enough that a row spans a good part of a page, so commits take real work.
    return "row " + std::to_string(seq) + " " +
           std::string(1500, static_cast<char>('a' + seq % 26));
}

struct Report {
    int64_t seq = 0;
    int64_t id = 0;
};

// A child process appends rows as fast as it can and writes (seq, id) to `fd` after each
// append() returns, i.e. after each commit. It never returns.
[[noreturn]] void run_writer(const std::filesystem::path& dir, store::Durability durability,
                             int64_t first_seq, int fd) {
    SystemClock clock;
    auto db = open_access_database(dir, clock, {.durability = durability});
    if (!db.ok()) ::_exit(2);
    AuditLog log(**db, clock);
    for (int64_t seq = first_seq;; ++seq) {
        AuditEvent event{
            0, "writer", seq, "test.write", "row", "local", Outcome::kSuccess, detail_for(seq)};
        auto id = log.append(event);
        if (!id.ok()) ::_exit(3);
        const Report report{seq, *id};
        if (::write(fd, &report, sizeof(report)) != static_cast<ssize_t>(sizeof(report)))
            ::_exit(4);
    }
}

class AuditCrashTest : public ::testing::TestWithParam<store::Durability> {};

TEST_P(AuditCrashTest, KillDuringWritesLosesNoCommittedRow) {
    test::TempDir dir;
    {
        ManualClock clock;
        ASSERT_TRUE(open_access_database(dir.path(), clock).ok());  // schema in place first
    }
    constexpr int kRounds = 3;
    constexpr int64_t kReportsBeforeKill = 150;
    std::map<int64_t, int64_t> reported;  // seq -> row id
    int64_t next_seq = 0;
    for (int round = 0; round < kRounds; ++round) {
        int fds[2];
        ASSERT_EQ(::pipe(fds), 0);
        const pid_t child = ::fork();
        ASSERT_GE(child, 0);
        if (child == 0) {
            ::close(fds[0]);
            run_writer(dir.path(), GetParam(), next_seq, fds[1]);
        }
        ::close(fds[1]);
        int64_t received = 0;
        Report report;
        // Read reports while the child writes, kill it mid-stream, then drain what it had
        // already reported before it died.
        while (::read(fds[0], &report, sizeof(report)) == static_cast<ssize_t>(sizeof(report))) {
            reported[report.seq] = report.id;
            next_seq = std::max(next_seq, report.seq + 1);
            if (++received == kReportsBeforeKill) {
                ASSERT_EQ(::kill(child, SIGKILL), 0);
            }
        }
        ::close(fds[0]);
        int status = 0;
        ASSERT_EQ(::waitpid(child, &status, 0), child);
        ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
            << "the writer stopped by itself (status " << status << ") before the kill";
        ASSERT_GE(received, kReportsBeforeKill);
        // A row committed but not yet reported when the kill came is fine: its seq is used again
        // by the next round, so start past it.
        next_seq += 1;
    }

    ManualClock clock;
    auto db = open_access_database(dir.path(), clock);
    ASSERT_TRUE(db.ok()) << db.error().message;
    {
        store::Session session = (*db)->session();
        auto check = session.prepare("PRAGMA integrity_check");
        ASSERT_TRUE(check.ok() && check->step().value_or(false));
        EXPECT_EQ(check->column_text(0), "ok");
    }
    AuditLog log(**db, clock);
    std::map<int64_t, AuditRecord> stored;  // by row id
    std::optional<int64_t> before;
    while (true) {
        auto page = log.query({.before_id = before, .limit = kMaxAuditQueryLimit});
        ASSERT_TRUE(page.ok()) << page.error().message;
        if (page->empty()) break;
        for (AuditRecord& record : *page) stored.emplace(record.id, std::move(record));
        before = page->back().id;
    }
    for (const auto& [seq, id] : reported) {
        auto found = stored.find(id);
        ASSERT_NE(found, stored.end()) << "committed row " << id << " (seq " << seq << ") lost";
        EXPECT_EQ(found->second.event.key_id, std::optional<int64_t>(seq));
        EXPECT_EQ(found->second.event.detail, detail_for(seq));
    }
    // At most one commit per round can have landed without being reported.
    EXPECT_GE(stored.size(), reported.size());
    EXPECT_LE(stored.size(), reported.size() + kRounds);
}

INSTANTIATE_TEST_SUITE_P(Durability, AuditCrashTest,
                         ::testing::Values(store::Durability::kFull, store::Durability::kNormal),
                         [](const auto& info) {
                             return info.param == store::Durability::kFull ? "Full" : "Normal";
                         });

}  // namespace
}  // namespace hearth::access
