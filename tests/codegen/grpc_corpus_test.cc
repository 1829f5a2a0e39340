// The plugin's output for every service-bearing .proto of Debian's grpc-proto package,
// compiled with -Werror: each generated Service must register every method its .proto
// declares, under gRPC's name. grpc_corpus.cmake finds the files when CMake configures
// and lists their services in corpus_services.inc.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "service_registration.h"
// One #include of a .forkrpc.h per corpus file.
#include "corpus_includes.inc"

namespace {

struct CorpusService {
  std::string file;
  std::string full_name;
  std::function<std::unique_ptr<forkrpc::Service>()> make;
};

const std::vector<CorpusService>& CorpusServices() {
#define FORKRPC_CORPUS_SERVICE(file, service_class)                                           \
  CorpusService{                                                                              \
      file, service_class::service_full_name(), [] {                                          \
        return std::unique_ptr<forkrpc::Service>(std::make_unique<service_class::Service>()); \
      }},
  static const auto* const services = new std::vector<CorpusService>{
#include "corpus_services.inc"
  };
#undef FORKRPC_CORPUS_SERVICE
  return *services;
}

class GrpcCorpusTest : public testing::TestWithParam<CorpusService> {};

TEST_P(GrpcCorpusTest, ServiceRegistersEveryMethodUnderItsGrpcName) {
  const google::protobuf::ServiceDescriptor* descriptor =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(GetParam().full_name);
  ASSERT_NE(descriptor, nullptr) << GetParam().full_name;
  EXPECT_EQ(descriptor->file()->name(), GetParam().file);
  forkrpc::codegen_test::ExpectRegistersEveryMethod(*GetParam().make(), *descriptor);
}

INSTANTIATE_TEST_SUITE_P(Services, GrpcCorpusTest, testing::ValuesIn(CorpusServices()),
                         [](const testing::TestParamInfo<CorpusService>& info) {
                           std::string name = info.param.full_name;
                           for (char& c : name) {
                             if (c == '.') c = '_';
                           }
                           return name;
                         });

// The list is made from the .proto text when CMake configures; the descriptors are the
// truth, so a service the list missed would fail here.
TEST(GrpcCorpusListTest, NamesEveryServiceOfEveryFile) {
  std::map<std::string, int> listed;
  for (const CorpusService& service : CorpusServices()) ++listed[service.file];
  EXPECT_EQ(listed.size(), static_cast<size_t>(FORKRPC_CORPUS_FILE_COUNT));
  for (const auto& [file, count] : listed) {
    const google::protobuf::FileDescriptor* descriptor =
        google::protobuf::DescriptorPool::generated_pool()->FindFileByName(file);
    ASSERT_NE(descriptor, nullptr) << file;
    EXPECT_EQ(descriptor->service_count(), count) << file;
  }
}

}  // namespace
