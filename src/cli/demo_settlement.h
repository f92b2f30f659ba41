// The demo's end of the day (issue 17): the settlement window closed and settled through the
// admin API, the net positions and the settlement agents' obligations shown, every bank's
// statement fetched from the participant API and written to a reports directory.
//
// Thread: the demo's main thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "simulator/corridor.h"

namespace corridor::cli {

// Closes the open window, prints its entries and obligations, settles it in full with one
// reference, and writes each bank's statement (camt.053 XML and CSV) under `reports_dir`.
// *window gets the closed window's id, *hub_bic the owner of the fee accounts. False (with
// the reason on stderr) when the hub refused a step.
bool SettleTheDay(simulator::Corridor& corridor, const std::string& reports_dir,
                  uint64_t* window, std::string* hub_bic);

// With the hub stopped: the window's other reports by `corridor report` on its data directory
// (the agents' report, the reconciliation, the card banks' clearing files, the hub's fees),
// into `reports_dir`, one line each. False when one could not be written.
bool WriteReports(const std::string& data_dir, uint64_t window, const std::string& hub_bic,
                  const std::vector<std::string>& card_banks, const std::string& reports_dir);

}  // namespace corridor::cli
