// The `corridor` subcommands; each returns the process exit code.
#pragma once

#include <string>

namespace corridor::cli {

int Demo(int argc, char** argv);
int Inspect(int argc, char** argv);
// Reads `--data DIR` and nothing else (inspect, windows); false (exit 2) otherwise.
bool DataDirOnly(int argc, char** argv, const char* command, std::string* dir);
int Windows(int argc, char** argv);
int Report(int argc, char** argv);
int BenchStatement(int argc, char** argv);
int BenchDisk(int argc, char** argv);
int BenchLedger(int argc, char** argv);
int Serve(int argc, char** argv);
int BenchServe(int argc, char** argv);
int BenchOutbox(int argc, char** argv);
int BenchPayments(int argc, char** argv);
int BenchCards(int argc, char** argv);
int BenchSettlement(int argc, char** argv);
int SimulateBank(int argc, char** argv);
int SimulateIssuer(int argc, char** argv);
int SimulateAcquirer(int argc, char** argv);

}  // namespace corridor::cli
