#include "base/cpu_features.h"

#include <gtest/gtest.h>

namespace hearth {
namespace {

TEST(CpuFeatures, ConsistentLevels) {
    const CpuFeatures& f = cpu_features();
    EXPECT_GE(f.n_logical_cores, 1);
    if (f.avx512f) {
        EXPECT_TRUE(f.avx2);
    }
    const IsaLevel detected = detected_isa();
    EXPECT_LE(active_isa(), detected);
    if (detected == IsaLevel::kAvx512) {
        EXPECT_TRUE(f.avx512vnni);
    }
    EXPECT_FALSE(f.describe().empty());
}

TEST(CpuFeatures, ParsesIsaNames) {
    IsaLevel level;
    ASSERT_TRUE(parse_isa("avx2", &level));
    EXPECT_EQ(level, IsaLevel::kAvx2);
    EXPECT_STREQ(isa_name(IsaLevel::kAvx512), "avx512");
    EXPECT_FALSE(parse_isa("sse9", &level));
}

}  // namespace
}  // namespace hearth
