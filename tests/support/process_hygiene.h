// process_hygiene.h: fixtures for tests that fork. SetUp records the process's open
// descriptors; TearDown checks that the test left no descriptor open and no child
// unreaped. Socket tests run once per socket type through SocketTypeTest.
#ifndef FORKRPC_TESTS_SUPPORT_PROCESS_HYGIENE_H_
#define FORKRPC_TESTS_SUPPORT_PROCESS_HYGIENE_H_

#include <set>
#include <string>

#include "forkrpc/socket_pair.h"
#include "gtest/gtest.h"

namespace forkrpc::testing {

// The descriptors open in this process, each with what it refers to.
std::set<std::string> OpenDescriptors();

// Records the process's state at construction; Check() fails the test on any change.
class ProcessHygiene {
 public:
  ProcessHygiene() : descriptors_(OpenDescriptors()) {}
  // Fails the test if a descriptor was left open or a child left unreaped.
  void Check() const;

 private:
  std::set<std::string> descriptors_;
};

class ForkingTest : public ::testing::Test {
 protected:
  void TearDown() override { hygiene_.Check(); }

 private:
  ProcessHygiene hygiene_;
};

class SocketTypeTest : public ::testing::TestWithParam<SocketType> {
 protected:
  void TearDown() override { hygiene_.Check(); }

 private:
  ProcessHygiene hygiene_;
};

// "SeqPacket" or "Datagram", for INSTANTIATE_TEST_SUITE_P.
std::string SocketTypeParamName(const ::testing::TestParamInfo<SocketType>& info);

#define FORKRPC_INSTANTIATE_FOR_SOCKET_TYPES(suite)                                           \
  INSTANTIATE_TEST_SUITE_P(                                                                   \
      SocketTypes, suite,                                                                     \
      ::testing::Values(::forkrpc::SocketType::kSeqPacket, ::forkrpc::SocketType::kDatagram), \
      ::forkrpc::testing::SocketTypeParamName)

}  // namespace forkrpc::testing

#endif  // FORKRPC_TESTS_SUPPORT_PROCESS_HYGIENE_H_
