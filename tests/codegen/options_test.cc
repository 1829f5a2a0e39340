#include "codegen/options.h"

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace forkrpc::plugin {
namespace {

using testing::HasSubstr;

TEST(ParseOptionsTest, NoParameterGivesTheDefaults) {
  absl::StatusOr<Options> options = ParseOptions("");
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->services_namespace, "");
}

TEST(ParseOptionsTest, ReadsServicesNamespace) {
  absl::StatusOr<Options> options = ParseOptions("services_namespace=rpc");
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->services_namespace, "rpc");
}

TEST(ParseOptionsTest, AcceptsANestedNamespace) {
  absl::StatusOr<Options> options = ParseOptions("services_namespace=rpc::v1");
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->services_namespace, "rpc::v1");
}

TEST(ParseOptionsTest, IgnoresEmptyItemsAndSpaces) {
  absl::StatusOr<Options> options = ParseOptions(", services_namespace = rpc ,");
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->services_namespace, "rpc");
}

TEST(ParseOptionsTest, UnknownKeyIsAnErrorNamingIt) {
  absl::StatusOr<Options> options = ParseOptions("services_namespace=rpc,lite=true");
  EXPECT_EQ(options.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(options.status().message(), HasSubstr("unknown option \"lite\""));
}

TEST(ParseOptionsTest, KeyGivenTwiceIsAnErrorNamingIt) {
  absl::StatusOr<Options> options = ParseOptions("services_namespace=a,services_namespace=b");
  EXPECT_EQ(options.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(options.status().message(), HasSubstr("services_namespace is given twice"));
}

TEST(ParseOptionsTest, ServicesNamespaceMustBeANamespaceName) {
  for (const char* bad :
       {"services_namespace", "services_namespace=", "services_namespace=1rpc",
        "services_namespace=a.b", "services_namespace=rpc::", "services_namespace=delete"}) {
    absl::StatusOr<Options> options = ParseOptions(bad);
    EXPECT_EQ(options.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(options.status().message(), HasSubstr("option services_namespace")) << bad;
  }
}

}  // namespace
}  // namespace forkrpc::plugin
