import {
  DEFAULT_MAX_SPANS,
  DEFAULT_PROFILE,
  PROFILE_NAMES,
  SUITES,
  TRACE_CATEGORIES,
} from "@exolab/bench";
import { Command, CommanderError, Option } from "commander";
import {
  BENCHMARK_NAMES,
  parseBenchmarks,
  parseCategories,
  parseCount,
  parseOps,
  parseOwners,
  parseProfile,
  parseSeed,
  parseSuite,
  parseSystems,
  SYSTEM_NAMES,
} from "./choices.js";
import { type BenchFlags, benchCommand } from "./commands/bench.js";
import { compareCommand } from "./commands/compare.js";
import {
  explainCommand,
  type InspectFlags,
  type ListFlags,
  listCommand,
  profilesCommand,
  type TraceFlags,
  traceCommand,
} from "./commands/inspect.js";
import { newLibOsCommand } from "./commands/new-libos.js";
import { type Io, RunError, UsageError } from "./io.js";
import { VERSION } from "./version.js";

/**
 * Builds the `exolab` program. Every command and option is declared here; each action
 * stores its (awaited) exit status in `status`.
 */
function buildProgram(io: Io, status: { run: Promise<number> | null }): Command {
  const program = new Command("exolab")
    .description(
      "ExoLab: library operating systems over an exokernel, measured against a monolithic baseline",
    )
    .version(`exolab ${VERSION}`, "-V, --version", "print the version")
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
  const run = (p: Promise<number> | number) => {
    status.run = Promise.resolve(p);
  };

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
      .addOption(
        new Option(
          "--benchmark <names>",
          "benchmarks to run (comma-separated; `exolab list` names them)",
        ).argParser(parseBenchmarks),
      )
      .addOption(seed())
      .option("--json <file>", "write the results as JSON (schema version 3; - for stdout)")
      .option("--md <file>", "write the tables as Markdown (- for stdout)")
      .option("--html <file>", "write a self-contained HTML report with charts")
      .option(
        "--host-time",
        "also measure host time with benchmark.js: the simulator's speed per row (slow)",
      )
      .option("--quick", "measure host time briefly (implies --host-time)")
      .action((flags: BenchFlags) => run(benchCommand(flags, io))),
  );
  oneLine(
    program
      .command("trace <benchmark>")
      .description("write a Perfetto/Chrome trace-event JSON of a window of one run")
      .requiredOption("--system <name>", `system: ${SYSTEM_NAMES().join(", ")}`)
      .requiredOption("--out <file>", "trace file to write")
      .addOption(profile())
      .addOption(seed())
      .addOption(
        new Option(
          "--ops <n|a..b>",
          "trace the first n operations of the measured part, or operations a..b (b excluded)",
        ).argParser(parseOps),
      )
      .addOption(
        new Option("--from <cycle>", "trace from this cycle of the run (0 = power-on)").argParser(
          parseCount("--from"),
        ),
      )
      .addOption(
        new Option(
          "--to <cycle>",
          "trace up to this cycle (excluded; default: the run's end)",
        ).argParser(parseCount("--to", 1)),
      )
      .addOption(
        new Option(
          "--category <names>",
          `keep only these categories: ${TRACE_CATEGORIES.join(", ")}`,
        ).argParser(parseCategories),
      )
      .addOption(
        new Option(
          "--owner <names>",
          "keep only these owners: kinds (kernel, libos, application) or owner names",
        ).argParser(parseOwners),
      )
      .addOption(
        new Option(
          "--max-spans <n>",
          "most spans written; past it they are dropped, with a warning",
        )
          .default(DEFAULT_MAX_SPANS)
          .argParser(parseCount("--max-spans", 1)),
      )
      .action((benchmark: string, flags: TraceFlags) => run(traceCommand(benchmark, flags, io))),
  );
  oneLine(
    program
      .command("explain <benchmarks>")
      .description(
        "every charged label on a benchmark's path (or several, comma-separated), with counts and cycles",
      )
      .requiredOption("--system <name>", `system: ${SYSTEM_NAMES().join(", ")}`)
      .addOption(profile())
      .addOption(seed())
      .option("--json", "print the explanation as JSON")
      .action((benchmarks: string, flags: InspectFlags) =>
        run(explainCommand(benchmarks, flags, io)),
      ),
  );
  oneLine(
    program
      .command("compare <old> <new>")
      .description("two JSON reports side by side: figures, ratios and the change per shared row")
      .action((oldPath: string, newPath: string) => run(compareCommand(oldPath, newPath, io))),
  );
  oneLine(
    program
      .command("profiles")
      .description("list the machine profiles")
      .action(() => run(profilesCommand(io))),
  );
  oneLine(
    program
      .command("list")
      .description("list the benchmarks and the systems that run them")
      .addOption(
        new Option("--system <names>", "only these systems (comma-separated)").argParser(
          parseSystems,
        ),
      )
      .addOption(
        new Option("--benchmark <names>", "only these benchmarks (comma-separated)").argParser(
          parseBenchmarks,
        ),
      )
      .action((flags: ListFlags) => run(listCommand(flags, io))),
  );
  oneLine(
    program
      .command("new-libos <name>")
      .description(
        "create packages/libos-<name> from the libOS kit's template and register it in the bench",
      )
      .action((name: string) => run(newLibOsCommand(name, io))),
  );
  return program;
}

/** The valid values of an option that takes one of a fixed set, by its long name. */
function optionChoices(long: string): string | undefined {
  switch (long) {
    case "--system":
      return `valid systems: ${SYSTEM_NAMES().join(", ")}`;
    case "--benchmark":
      return `valid benchmarks: ${BENCHMARK_NAMES().join(", ")}`;
    case "--profile":
      return `valid profiles: ${PROFILE_NAMES.join(", ")}`;
    case "--suite":
      return `valid suites: ${Object.keys(SUITES).join(", ")}`;
    case "--seed":
      return "valid seeds: integers in [0, 4294967295]";
    case "--category":
      return `valid categories: ${TRACE_CATEGORIES.join(", ")}`;
    case "--owner":
      return "valid owners: kernel, libos, application, or an owner's name";
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
  if (/missing required argument 'benchmarks?'/.test(line))
    return `${line}; valid benchmarks: ${BENCHMARK_NAMES().join(", ")}`;
  if (/missing required argument 'name'/.test(line))
    return `${line}: the new libOS's name (a lowercase letter, then lowercase letters, digits and single hyphens)`;
  const option = /option '(--[a-z-]+)/.exec(line)?.[1];
  if (option !== undefined && !/ is invalid\./.test(line)) {
    const choices = optionChoices(option);
    if (choices !== undefined) return `${line}; ${choices}`;
  }
  if (/too many arguments/.test(line)) return `${line} (see \`exolab ${cmd.name()} --help\`)`;
  return line;
}

/** One line of a message: a multi-line message (a library's) is joined. */
function oneLineOf(message: string): string {
  return message.trim().replace(/\s*\n\s*/g, "; ");
}

/**
 * Runs the CLI on `args` (without node and script); resolves to the exit status: 0, 2 for
 * a usage error (printed as one line naming the valid choices), 1 for any other failure
 * (one line, never a stack trace; EXOLAB_DEBUG=1 adds it).
 */
export async function runCli(args: readonly string[], io: Io): Promise<number> {
  const status: { run: Promise<number> | null } = { run: null };
  const program = buildProgram(io, status);
  try {
    program.parse([...args], { from: "user" });
    return status.run === null ? 0 : await status.run;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version exit 0; every parse error was already printed as one line.
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof UsageError) {
      io.err(`error: ${oneLineOf(e.message)}\n`);
      return 2;
    }
    if (e instanceof RunError) {
      io.err(`error: ${oneLineOf(e.message)}\n`);
      return 1;
    }
    const message = e instanceof Error ? e.message : String(e);
    io.err(`error: ${oneLineOf(message)}\n`);
    if (process.env.EXOLAB_DEBUG === "1" && e instanceof Error && e.stack !== undefined)
      io.err(`${e.stack}\n`);
    return 1;
  }
}
