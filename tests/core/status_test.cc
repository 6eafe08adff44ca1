// The error contract of core::Status and core::StatusOr.
#include "common/core/status.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace mpcstats::core {
namespace {

StatusOr<int> FromOkStatus() { return Status::Ok(); }  // a caller's bug: no value, no error

TEST(StatusOrTest, OkStatusWithoutValueIsRefusedAsInternal) {
  const StatusOr<int> result = FromOkStatus();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), Code::kInternal);
  EXPECT_NE(result.status().message().find("OK status"), std::string::npos) << result.status().message();
}

TEST(StatusOrTest, ErrorIsKeptAsGiven) {
  const StatusOr<int> error = Status(Code::kTimeout, "party2 did not answer");
  ASSERT_FALSE(error.ok());
  EXPECT_EQ(error.status().code(), Code::kTimeout);
  EXPECT_EQ(error.status().message(), "party2 did not answer");
}

TEST(ExceptionStatusTest, KeepsTheExceptionsMessage) {
  const Status s = ExceptionStatus(std::make_exception_ptr(std::runtime_error("socket exploded")));
  EXPECT_EQ(s.code(), Code::kInternal);
  EXPECT_NE(s.message().find("socket exploded"), std::string::npos) << s.message();
  const Status unknown = ExceptionStatus(std::make_exception_ptr(42));
  EXPECT_EQ(unknown.code(), Code::kInternal);
  EXPECT_NE(unknown.message().find("unknown type"), std::string::npos) << unknown.message();
}

}  // namespace
}  // namespace mpcstats::core
