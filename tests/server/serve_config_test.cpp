// `hearth serve` options: flag > HEARTH_* environment > YAML config > default, with errors that
// name where a bad value came from.
#include <gtest/gtest.h>

#include <fstream>

#include "server/serve_config.h"
#include "tests/util/process.h"

namespace hearth::server {
namespace {

using Env = std::map<std::string, std::string>;

Result<ServeConfig> resolve(const std::map<std::string, std::string>& flags, const std::string& file, Env env = {}) {
    return resolve_serve_config({}, flags, file, [env](const std::string& name) -> std::optional<std::string> {
        auto it = env.find(name);
        return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
    });
}

TEST(ServeConfig, DefaultsMatchTheIssue) {
    auto config = resolve({}, "");
    ASSERT_TRUE(config.ok());
    EXPECT_EQ(config->http.host, "127.0.0.1");
    EXPECT_EQ(config->http.port, 8080);
}

TEST(ServeConfig, FlagBeatsEnvironmentBeatsFileBeatsDefault) {
    test::TempDir dir;
    const std::string file = dir.file("hearth.yaml");
    std::ofstream(file) << "port: 9000\nthreads: 3\nctx: 1024\nidle_timeout: 2.5\nhost: 0.0.0.0\n";
    auto config = resolve({{"port", "9100"}}, file, {{"HEARTH_PORT", "9200"}, {"HEARTH_THREADS", "5"}});
    ASSERT_TRUE(config.ok()) << config.error().message;
    EXPECT_EQ(config->http.port, 9100);              // flag
    EXPECT_EQ(config->threads, 5);                   // environment over the file
    EXPECT_EQ(config->ctx, 1024);                    // file
    EXPECT_EQ(config->http.idle_timeout, std::chrono::milliseconds(2500));
    EXPECT_EQ(config->http.host, "0.0.0.0");
    EXPECT_EQ(config->parallel, 4);                  // default
}

TEST(ServeConfig, EveryOptionHasAFlagAKeyAndAnEnvironmentVariable) {
    for (const ServeOption& option : serve_options()) {
        EXPECT_EQ(option.flag.rfind("--", 0), 0u) << option.key;
        EXPECT_EQ(option.env.rfind("HEARTH_", 0), 0u) << option.key;
        ServeConfig config;
        // Each option's own text form reads back to the same value.
        EXPECT_TRUE(option.set(config, option.get(config)).ok()) << option.key << " = " << option.get(config);
    }
}

TEST(ServeConfig, ErrorsNameTheirSource) {
    auto bad_env = resolve({}, "", {{"HEARTH_PORT", "http"}});
    ASSERT_FALSE(bad_env.ok());
    EXPECT_EQ(bad_env.error().message, "HEARTH_PORT: 'http' is not an integer");
    auto bad_flag = resolve({{"parallel", "0"}}, "");
    ASSERT_FALSE(bad_flag.ok());
    EXPECT_EQ(bad_flag.error().message, "--parallel: 0 is outside 1..1024");
    test::TempDir dir;
    const std::string file = dir.file("bad.yaml");
    std::ofstream(file) << "prot: 80\n";
    auto unknown = resolve({}, file);
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.error().message, file + ": unknown key 'prot'");
    EXPECT_FALSE(resolve({}, dir.file("missing.yaml")).ok());
}

}  // namespace
}  // namespace hearth::server
