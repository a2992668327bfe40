/* Prints SimGrid's route between every ordered pair of hosts of a platform: reference data
 * for test/platform/simgrid-import.test.ts.
 * Usage: routes PLATFORM.xml. Output: "src dst latency link,link,..." per pair. */
#include <simgrid/s4u.hpp>
#include <cstdio>
#include <string>
#include <vector>

int main(int argc, char** argv)
{
  simgrid::s4u::Engine e(&argc, argv);
  e.load_platform(argv[1]);
  e.seal_platform(); // routing tables are built when the platform is sealed
  for (auto* a : e.get_all_hosts())
    for (auto* b : e.get_all_hosts()) {
      if (a == b)
        continue;
      std::vector<simgrid::s4u::Link*> links;
      double latency = 0;
      a->route_to(b, links, &latency);
      std::string names;
      for (auto* l : links)
        names += (names.empty() ? "" : ",") + l->get_name();
      std::printf("%s %s %.17g %s\n", a->get_cname(), b->get_cname(), latency, names.c_str());
    }
  return 0;
}
