// Fake server capacity: Version calls per second that many concurrent clients, each on its own
// connection, get from a fresh fake CRI server (call log bounded at kFakeCallLogCapacity), beside
// a bare gRPC server that answers Version and does nothing else (BareVersionServer).
// `capacity/server:fake|bare/clients:N`: items_per_second is calls per second. Counters:
// rss_mib (the process's resident set after the run), rss_growth_mib (its growth during the
// timed run: flat when the call log is bounded), calls_served and, for the fake,
// call_log_records (what the bounded log holds at the end).
#include <memory>
#include <vector>

#include "bench/bare_cri.h"
#include "bench/bare_version_server.h"
#include "bench/benchmarks.h"
#include "bench/concurrent_rounds.h"
#include "bench/process_stats.h"
#include "fakes/cri/fake_cri_server.h"

namespace podlife::bench {

namespace {

constexpr size_t kClients[] = {1, 4, 16};
constexpr int kCallsPerClientPerRound = 64;
constexpr double kMiB = 1024.0 * 1024.0;

void Capacity(benchmark::State& state, bool fake_server, size_t clients) {
  std::string error;
  std::unique_ptr<fakes::FakeCriServer> fake;
  std::unique_ptr<BareVersionServer> bare;
  std::string address;
  if (fake_server) {
    fakes::FakeCriOptions options;
    options.call_log_capacity = kFakeCallLogCapacity;
    fake = fakes::FakeCriServer::Start(options, &error);
    if (fake) address = fake->address();
  } else {
    bare = BareVersionServer::Start(&error);
    if (bare) address = bare->address();
  }
  if (!Succeeded(state, error)) return;

  std::vector<std::unique_ptr<BareCriClient>> connections;
  for (size_t i = 0; i < clients; ++i) {
    auto connected = BareCriClient::Connect(address);
    if (!Succeeded(state, connected) || !Succeeded(state, (*connected)->Version())) return;
    connections.push_back(std::move(*connected));
  }
  ConcurrentRounds rounds(clients);
  std::vector<std::string> failures(clients);
  const size_t rss_before = ResidentSetBytes();
  for (auto _ : state) {
    rounds.Run([&](size_t w) {
      for (int i = 0; i < kCallsPerClientPerRound && failures[w].empty(); ++i) failures[w] = connections[w]->Version();
    });
    bool failed = false;
    for (const auto& f : failures) failed = failed || !Succeeded(state, f);
    if (failed) break;
  }
  const size_t rss_after = ResidentSetBytes();
  const auto calls = static_cast<int64_t>(state.iterations() * clients * kCallsPerClientPerRound);
  state.SetItemsProcessed(calls);
  state.counters["clients"] = static_cast<double>(clients);
  state.counters["calls_served"] = static_cast<double>(calls);
  state.counters["rss_mib"] = static_cast<double>(rss_after) / kMiB;
  state.counters["rss_growth_mib"] = (static_cast<double>(rss_after) - static_cast<double>(rss_before)) / kMiB;
  if (fake) state.counters["call_log_records"] = static_cast<double>(fake->calls().Snapshot().size());
}

}  // namespace

void RegisterCapacityBenchmarks(const BenchContext&) {
  for (bool fake_server : {true, false}) {
    for (size_t clients : kClients) {
      RegisterTimed(std::string("capacity/server:") + (fake_server ? "fake" : "bare") +
                        "/clients:" + std::to_string(clients),
                    [=](benchmark::State& state) { Capacity(state, fake_server, clients); });
    }
  }
}

}  // namespace podlife::bench
