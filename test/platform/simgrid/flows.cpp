/* Runs a set of host-to-host transfers, all started at time 0, on a SimGrid platform and
 * prints each one's completion time. Reference data for test/platform/simgrid.test.ts.
 * Usage: flows PLATFORM.xml FLOWS.txt [--cfg=network/model:CM02 ...]
 * FLOWS.txt: one "src dst bytes" per line. Output: one "index time" per line. */
#include <simgrid/s4u.hpp>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace sg4 = simgrid::s4u;

struct Transfer {
  std::string src, dst;
  double bytes;
};

int main(int argc, char** argv)
{
  sg4::Engine e(&argc, argv);
  e.load_platform(argv[1]);
  std::vector<Transfer> transfers;
  std::ifstream in(argv[2]);
  Transfer t;
  while (in >> t.src >> t.dst >> t.bytes)
    transfers.push_back(t);
  std::vector<double> ends(transfers.size(), -1);
  sg4::Actor::create("driver", e.get_all_hosts()[0], [&]() {
    std::vector<sg4::CommPtr> comms;
    std::vector<size_t> which;
    for (size_t i = 0; i < transfers.size(); i++) {
      comms.push_back(sg4::Comm::sendto_async(sg4::Host::by_name(transfers[i].src), sg4::Host::by_name(transfers[i].dst),
                                              (uint64_t)transfers[i].bytes));
      which.push_back(i);
    }
    while (not comms.empty()) {
      ssize_t k = sg4::Comm::wait_any(comms);
      ends[which[k]] = sg4::Engine::get_clock();
      comms.erase(comms.begin() + k);
      which.erase(which.begin() + k);
    }
  });
  e.run();
  for (size_t i = 0; i < ends.size(); i++)
    std::printf("%zu %.17g\n", i, ends[i]);
  return 0;
}
