// Tests of where podlife's CRI servers listen and what they leave behind: a live server's socket
// is never taken over nor deleted, a stale one is replaced, private directories are 0700 with a
// 0600 socket and carry their owner's PID, and leftovers of dead owners are swept.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "fakes/common/private_dir.h"
#include "fakes/cri/fake_cri_server.h"
#include "fakes/cri/tests/cri_test_client.h"
#include "testsupport/scoped_temp_dir.h"

namespace podlife::fakes {
namespace {

using ::testing::HasSubstr;
using testing::CriTestClient;
namespace fs = std::filesystem;

// A unix socket bound at `path`; listening when `listen`, else closed at once (a stale socket:
// the file stays, nobody answers).
int BindSocket(const std::string& path, bool listen) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0) << std::strerror(errno);
  if (listen) {
    EXPECT_EQ(::listen(fd, 1), 0);
    return fd;
  }
  close(fd);
  return -1;
}

// A PID that no process has any more: a child that exited and was reaped.
pid_t DeadPid() {
  pid_t pid = fork();
  if (pid == 0) _exit(0);
  waitpid(pid, nullptr, 0);
  return pid;
}

bool Answers(const FakeCriServer& server) {
  CriTestClient client(server.NewChannel());
  cri::VersionResponse version;
  return client.runtime->Version(CriTestClient::Context(std::chrono::seconds(5)).get(), {}, &version).ok();
}

class PrivateSocketTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(temp_.ok()); }
  std::string Listen() const { return "unix://" + (temp_.path() / "run/cri.sock").string(); }
  testsupport::ScopedTempDir temp_{"podlife-private-socket"};
};

TEST_F(PrivateSocketTest, ASecondServerOnALiveServersSocketIsRefusedAndTheFirstStaysReachable) {
  std::string error;
  auto first = FakeCriServer::Start({.listen = Listen()}, &error);
  ASSERT_TRUE(first) << error;
  auto second = FakeCriServer::Start({.listen = Listen()}, &error);
  EXPECT_FALSE(second);
  EXPECT_THAT(error, HasSubstr("cannot listen on " + Listen() + ": a server is already listening there"));
  second.reset();
  EXPECT_TRUE(Answers(*first));
}

TEST_F(PrivateSocketTest, AStaleSocketNobodyAnswersOnIsReplaced) {
  fs::create_directories(temp_.path() / "run");
  BindSocket((temp_.path() / "run/cri.sock").string(), /*listen=*/false);
  ASSERT_TRUE(fs::is_socket(temp_.path() / "run/cri.sock"));
  std::string error;
  auto server = FakeCriServer::Start({.listen = Listen()}, &error);
  ASSERT_TRUE(server) << error;
  EXPECT_TRUE(Answers(*server));
}

TEST_F(PrivateSocketTest, AnyOtherFileAtTheSocketPathIsRefused) {
  fs::create_directories(temp_.path() / "run");
  std::ofstream(temp_.path() / "run/cri.sock") << "mine";
  std::string error;
  EXPECT_FALSE(FakeCriServer::Start({.listen = Listen()}, &error));
  EXPECT_THAT(error, HasSubstr("the path exists and is not a socket"));
  EXPECT_TRUE(fs::is_regular_file(temp_.path() / "run/cri.sock"));
}

// Someone removed the first server's socket and a second server bound the path: the first, when
// it stops, must not delete the second's socket.
TEST_F(PrivateSocketTest, AServerNeverRemovesASocketItDidNotCreate) {
  std::string error;
  auto first = FakeCriServer::Start({.listen = Listen()}, &error);
  ASSERT_TRUE(first) << error;
  fs::remove(temp_.path() / "run/cri.sock");
  auto second = FakeCriServer::Start({.listen = Listen()}, &error);
  ASSERT_TRUE(second) << error;
  first->Shutdown();
  EXPECT_TRUE(fs::is_socket(temp_.path() / "run/cri.sock"));
  EXPECT_TRUE(Answers(*second));
  second->Shutdown();
  EXPECT_FALSE(fs::exists(temp_.path() / "run/cri.sock"));
}

TEST_F(PrivateSocketTest, TheDefaultSocketIs0600InA0700DirectoryNamedWithThePidAndRemovedAtShutdown) {
  std::string error;
  auto server = FakeCriServer::Start({}, &error);
  ASSERT_TRUE(server) << error;
  const fs::path socket = server->address().substr(std::strlen("unix://"));
  const fs::path dir = socket.parent_path();
  EXPECT_EQ(PrivateDirOwner(dir.filename().string()), getpid()) << dir;
  struct stat st {};
  ASSERT_EQ(stat(socket.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(stat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  server->Shutdown();
  EXPECT_FALSE(fs::exists(dir));
}

TEST_F(PrivateSocketTest, PrivateLogDirectoriesCarryThePidAndAreRemovedAtShutdown) {
  std::string error;
  std::string made = MakePrivateDir(kLogDirPrefix, &error);
  ASSERT_FALSE(made.empty()) << error;
  EXPECT_EQ(PrivateDirOwner(fs::path(made).filename().string()), getpid());
  std::ofstream(fs::path(made) / "file") << "x";
  RemovePrivateDir(made);
  EXPECT_FALSE(fs::exists(made));
}

TEST(PrivateDirOwnerTest, ReadsThePidOnlyFromOurNames) {
  EXPECT_EQ(PrivateDirOwner("podlife-cri-1234-Ab3dEf"), 1234);
  EXPECT_EQ(PrivateDirOwner("podlife-cri-logs-99-Ab3dEf"), 99);
  EXPECT_EQ(PrivateDirOwner("podlife-cri-Ab3dEf"), 0);  // older podlife: no PID, never swept
  EXPECT_EQ(PrivateDirOwner("podlife-cri-12"), 0);
  EXPECT_EQ(PrivateDirOwner("podlife-cri-logs-Ab3dEf"), 0);
  EXPECT_EQ(PrivateDirOwner("podlife-cri--1-x"), 0);
  EXPECT_EQ(PrivateDirOwner("other-1234-Ab3dEf"), 0);
  EXPECT_EQ(PrivateDirOwner("podlife-cri-99999999999-x"), 0);
}

TEST_F(PrivateSocketTest, TheSweepRemovesOnlyDirectoriesOfDeadOwnersWhereNobodyAnswers) {
  const pid_t dead = DeadPid();
  const fs::path root = temp_.path();
  auto make = [&](const std::string& name) {
    fs::create_directories(root / name);
    std::ofstream(root / name / "file") << "x";
    return root / name;
  };
  const fs::path dead_sockets = make("podlife-cri-" + std::to_string(dead) + "-aaaaaa");
  const fs::path dead_logs = make("podlife-cri-logs-" + std::to_string(dead) + "-bbbbbb");
  const fs::path alive = make("podlife-cri-" + std::to_string(getpid()) + "-cccccc");
  const fs::path parent_alive = make("podlife-cri-" + std::to_string(getppid()) + "-dddddd");
  const fs::path no_pid = make("podlife-cri-eeeeee");
  const fs::path answering = make("podlife-cri-" + std::to_string(dead) + "-ffffff");
  const int listener = BindSocket((answering / "cri.sock").string(), /*listen=*/true);

  EXPECT_EQ(SweepStalePrivateDirs(root.string()), 2);
  EXPECT_FALSE(fs::exists(dead_sockets));
  EXPECT_FALSE(fs::exists(dead_logs));
  EXPECT_TRUE(fs::exists(alive));
  EXPECT_TRUE(fs::exists(parent_alive));
  EXPECT_TRUE(fs::exists(no_pid));
  EXPECT_TRUE(fs::exists(answering)) << "a socket there still answers";
  close(listener);
}

}  // namespace
}  // namespace podlife::fakes
