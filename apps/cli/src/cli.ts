import { DEFAULT_PROFILE, PAPER_SUITE, PROFILE_NAMES, SUITES } from "@exolab/bench";
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
      outputError: (s, write) => write(`${withChoices(cmd, s.trim().replace(/\n+/g, " "))}\n`),
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

/** The valid values of an option that takes one of a fixed set, by its long name. */
function optionChoices(long: string): string | undefined {
  switch (long) {
    case "--system":
      return `valid systems: ${SYSTEM_NAMES().join(", ")}`;
    case "--profile":
      return `valid profiles: ${PROFILE_NAMES.join(", ")}`;
    case "--suite":
      return `valid suites: ${Object.keys(SUITES).join(", ")}`;
    case "--seed":
      return "valid seeds: integers in [0, 4294967295]";
    default:
      return undefined;
  }
}

/**
 * Completes one of commander's error lines with the valid choices, so that every usage
 * error names them: options for an unknown option, commands for an unknown command, the
 * values of the option whose argument is missing, the benchmarks for a missing benchmark.
 */
function withChoices(cmd: Command, line: string): string {
  if (/unknown option/.test(line)) {
    const options = [...cmd.options.map((o) => o.long), "--help"].filter(
      (x): x is string => x !== undefined,
    );
    return `${line}; valid options: ${options.join(", ")}`;
  }
  if (/unknown command/.test(line))
    return `${line}; valid commands: ${cmd.commands.map((c) => c.name()).join(", ")}`;
  if (/missing required argument 'benchmark'/.test(line))
    return `${line}; valid benchmarks: ${PAPER_SUITE.map((w) => w.id).join(", ")}`;
  const option = /option '(--[a-z-]+)/.exec(line)?.[1];
  if (option !== undefined && !/ is invalid\./.test(line)) {
    const choices = optionChoices(option);
    if (choices !== undefined) return `${line}; ${choices}`;
  }
  if (/too many arguments/.test(line)) return `${line} (see \`exolab ${cmd.name()} --help\`)`;
  return line;
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
