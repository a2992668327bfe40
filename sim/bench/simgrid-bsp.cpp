/* BSP all-to-all on SimGrid, the twin of `virtuoso bench bsp-alltoall`: every rank computes,
 * then sends one message to every other rank; a superstep ends when every message has
 * arrived (a barrier). Usage: simgrid-bsp PLATFORM.xml RANKS BYTES FLOPS SUPERSTEPS [--cfg=...]
 * Prints the simulated end time and the wall seconds of the simulation alone. */
#include <simgrid/s4u.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace sg4 = simgrid::s4u;

int main(int argc, char** argv)
{
  sg4::Engine e(&argc, argv);
  if (argc < 6) {
    std::fprintf(stderr, "usage: %s PLATFORM.xml RANKS BYTES FLOPS SUPERSTEPS\n", argv[0]);
    return 2;
  }
  e.load_platform(argv[1]);
  const int n = std::atoi(argv[2]);
  const double bytes = std::atof(argv[3]);
  const double flops = std::atof(argv[4]);
  const int steps = std::atoi(argv[5]);
  std::vector<sg4::Host*> hosts;
  for (int i = 0; i < n; i++)
    hosts.push_back(sg4::Host::by_name("h" + std::to_string(i)));
  sg4::BarrierPtr barrier = sg4::Barrier::create(n);
  for (int i = 0; i < n; i++) {
    sg4::Actor::create("rank" + std::to_string(i), hosts[i], [i, n, bytes, flops, steps, barrier, &hosts]() {
      for (int s = 0; s < steps; s++) {
        sg4::this_actor::execute(flops);
        std::vector<sg4::CommPtr> comms;
        for (int j = 0; j < n; j++)
          if (j != i)
            comms.push_back(sg4::Comm::sendto_async(hosts[i], hosts[j], (uint64_t)bytes));
        sg4::Comm::wait_all(comms);
        barrier->wait();
      }
    });
  }
  auto t0 = std::chrono::steady_clock::now();
  e.run();
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%.17g %.6f\n", sg4::Engine::get_clock(), wall);
  return 0;
}
