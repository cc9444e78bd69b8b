// main() of every test executable. It differs from GoogleTest's own in one way: the exit status
// says whether the run was skipped (77, CTest's SKIP_RETURN_CODE in tests/CMakeLists.txt).
//
// CTest's usual way to spot a skip is to look for "[  SKIPPED ]" in the output, but GoogleTest
// also prints that for every test of a suite whose SetUpTestSuite() failed, so a broken fixture
// would be reported as skipped instead of failed. Here a failure of any kind wins: the status is
// 1 whenever GoogleTest counts one (a test, a suite's set-up or tear-down, the environment).
#include <gtest/gtest.h>

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    const int status = RUN_ALL_TESTS();
    const ::testing::UnitTest& unit = *::testing::UnitTest::GetInstance();
    if (status != 0 || unit.Failed()) return 1;
    if (unit.skipped_test_count() > 0 && unit.successful_test_count() == 0) return 77;
    return 0;
}
