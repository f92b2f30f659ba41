// The `corridor` subcommands; each returns the process exit code.
#pragma once

namespace corridor::cli {

int Demo(int argc, char** argv);
int Inspect(int argc, char** argv);
int Windows(int argc, char** argv);
int Report(int argc, char** argv);
int BenchStatement(int argc, char** argv);
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
