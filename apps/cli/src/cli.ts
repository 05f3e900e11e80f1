import { DEFAULT_PROFILE } from "@exolab/bench";
import { Command, CommanderError, Option } from "commander";
import { parseProfile, parseSeed, parseSuite, parseSystems, SYSTEM_NAMES } from "./choices.js";
import { type BenchFlags, benchCommand } from "./commands/bench.js";
import {
  explainCommand,
  type InspectFlags,
  listCommand,
  profilesCommand,
  traceCommand,
} from "./commands/inspect.js";
import { type Io, UsageError } from "./io.js";

/**
 * Builds the `exolab` program. Every command and option is declared here; each action
 * returns an exit status through `status`.
 */
function buildProgram(io: Io, status: { code: number }): Command {
  const program = new Command("exolab")
    .description(
      "ExoLab: library operating systems over an exokernel, measured against a monolithic baseline",
    )
    .showHelpAfterError(false);
  const oneLine = (cmd: Command) => {
    cmd.exitOverride();
    cmd.configureOutput({
      writeOut: (s) => io.out(s),
      writeErr: (s) => io.err(s),
      outputError: (s, write) => {
        const line = s.trim().replace(/\n+/g, " ");
        const options = cmd.options.map((o) => o.long).filter((x): x is string => x !== undefined);
        write(
          /unknown option/.test(line)
            ? `${line}; valid options: ${options.join(", ")}\n`
            : `${line}\n`,
        );
      },
    });
    return cmd;
  };
  oneLine(program);
  const profile = () =>
    new Option("--profile <name>", "machine profile")
      .default(DEFAULT_PROFILE)
      .argParser(parseProfile);
  const seed = () =>
    new Option("--seed <n>", "seed of the simulated machine").default(1).argParser(parseSeed);

  oneLine(
    program
      .command("bench")
      .description("run a benchmark suite on every system and print the table")
      .addOption(
        new Option("--suite <name>", "suite to run").default("paper").argParser(parseSuite),
      )
      .addOption(profile())
      .addOption(
        new Option(
          "--system <names>",
          `systems to run (comma-separated): ${SYSTEM_NAMES().join(", ")}`,
        ).argParser(parseSystems),
      )
      .addOption(seed())
      .option("--json <file>", "write the results as JSON (schema version 1)")
      .option("--md <file>", "write the tables as Markdown")
      .option("--html <file>", "write a self-contained HTML report with plots")
      .option("--quick", "shorten the host-time measurement (simulated figures are unchanged)")
      .action((flags: BenchFlags) => {
        status.code = benchCommand(flags, io);
      }),
  );
  oneLine(
    program
      .command("trace <benchmark>")
      .description("write a Perfetto/Chrome trace-event JSON of one run")
      .requiredOption("--system <name>", `system: ${SYSTEM_NAMES().join(", ")}`)
      .requiredOption("--out <file>", "trace file to write")
      .addOption(profile())
      .addOption(seed())
      .action((benchmark: string, flags: InspectFlags) => {
        status.code = traceCommand(benchmark, flags, io);
      }),
  );
  oneLine(
    program
      .command("explain <benchmark>")
      .description("every charged label on a benchmark's path, with its count and cycles")
      .requiredOption("--system <name>", `system: ${SYSTEM_NAMES().join(", ")}`)
      .addOption(profile())
      .addOption(seed())
      .option("--json", "print the explanation as JSON")
      .action((benchmark: string, flags: InspectFlags) => {
        status.code = explainCommand(benchmark, flags, io);
      }),
  );
  oneLine(
    program
      .command("profiles")
      .description("list the machine profiles")
      .action(() => {
        status.code = profilesCommand(io);
      }),
  );
  oneLine(
    program
      .command("list")
      .description("list the benchmarks and the systems that run them")
      .action(() => {
        status.code = listCommand(io);
      }),
  );
  return program;
}

/** Runs the CLI on `args` (without node and script); returns the exit status. */
export function runCli(args: readonly string[], io: Io): number {
  const status = { code: 0 };
  const program = buildProgram(io, status);
  try {
    program.parse([...args], { from: "user" });
    return status.code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version exit 0; every parse error was already printed as one line.
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof UsageError) {
      io.err(`error: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
