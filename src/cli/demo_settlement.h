// The demo's end of the day (issue 17): the settlement window closed and settled through the
// admin API, the net positions and the settlement agents' obligations shown, every bank's
// statement fetched from the participant API and written to a reports directory.
//
// Thread: the demo's main thread.
#pragma once

#include <string>

#include "simulator/corridor.h"

namespace corridor::cli {

// Closes the open window, prints its entries and obligations, settles it in full with one
// reference, and writes each bank's statement (camt.053 XML and CSV) under `reports_dir`.
// False (with the reason on stderr) when the hub refused a step.
bool SettleTheDay(simulator::Corridor& corridor, const std::string& reports_dir);

}  // namespace corridor::cli
