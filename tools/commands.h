// The commands of `tessera`, one file each (tools/<name>_command.cc). Each adds its CLI11
// subcommand with its options to the root application and returns what runs it;
// tessera.cc lists them in the order `tessera --help` shows them.
#pragma once

#include "cli.h"

namespace tessera::cli {

Command add_workloads_command(CLI::App& root);
Command add_show_ir_command(CLI::App& root);
Command add_run_command(CLI::App& root);
Command add_replay_command(CLI::App& root);
Command add_tune_command(CLI::App& root);
Command add_costmodel_command(CLI::App& root);
Command add_db_command(CLI::App& root);
Command add_space_command(CLI::App& root);
Command add_spaces_command(CLI::App& root);
Command add_rules_command(CLI::App& root);
Command add_show_command(CLI::App& root);
Command add_import_command(CLI::App& root);
Command add_run_model_command(CLI::App& root);
Command add_tune_model_command(CLI::App& root);
Command add_version_command(CLI::App& root);

}  // namespace tessera::cli
