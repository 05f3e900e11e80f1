import {
  closeSync,
  fsyncSync,
  openSync,
  renameSync,
  statfsSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { type Io, RunError, UsageError } from "./io.js";

/**
 * Output files, checked before any work and written all or nothing.
 *
 * `openOutputs` runs before a command does anything long: for each path it refuses a
 * directory, a missing folder, a folder it cannot write to, and a full disk (a zero-byte
 * write probes devices such as /dev/full; free space is read for files), and for a regular
 * file it creates a temporary file beside the target. At the end `commit` writes the
 * texts and renames the temporaries over the targets; `abort` (on any failure or an
 * interrupt) removes them. So a failed or interrupted run leaves no partial file behind
 * and never clobbers an existing one. `-` is standard output (for the outputs that allow
 * it): written at commit, after everything else succeeded.
 */

export interface OutputSpec {
  /** The option that named it, for messages ("--json"). */
  readonly option: string;
  /** As the user gave it. */
  readonly path: string;
  /** Whether `-` means standard output for this option. */
  readonly stdoutAllowed: boolean;
}

/** One output, opened. */
export interface Output {
  readonly spec: OutputSpec;
  /** "stdout" for `-`, "file" for a regular file (through a temporary), "device" otherwise. */
  readonly kind: "stdout" | "file" | "device";
  /** Absolute path of the target (empty for stdout). */
  readonly target: string;
  /** Appends text (to the temporary, the device, or a buffer for stdout). */
  write(text: string): void;
}

interface OpenOutput extends Output {
  fd: number;
  readonly temp: string;
  readonly buffered: string[];
}

/** The errno code of a Node error, if any. */
function code(e: unknown): string | undefined {
  return typeof e === "object" && e !== null && "code" in e ? String(e.code) : undefined;
}

/** Why a path cannot be written, in words, from an errno code. */
function reason(c: string | undefined, fallback: string): string {
  switch (c) {
    case "ENOENT":
      return "the folder does not exist";
    case "ENOTDIR":
      return "a part of the path is not a folder";
    case "EISDIR":
      return "it is a folder";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EROFS":
      return "the file system is read-only";
    case "ENOSPC":
      return "no space left on the device";
    case "EDQUOT":
      return "the disk quota is exceeded";
    default:
      return fallback;
  }
}

export class Outputs {
  readonly #open: OpenOutput[] = [];
  readonly #io: Io;
  #unregister: () => void = () => {};
  #done = false;

  private constructor(io: Io) {
    this.#io = io;
  }

  /**
   * Checks and opens every output; throws a one-line UsageError (a path the user must
   * change) or RunError after closing and removing whatever it had opened.
   */
  static open(io: Io, specs: readonly OutputSpec[]): Outputs {
    const outputs = new Outputs(io);
    try {
      const seen = new Map<string, string>();
      for (const spec of specs) {
        if (spec.path === "") throw new UsageError(`${spec.option} needs a file name`);
        const key = spec.path === "-" ? "-" : resolve(io.cwd, spec.path);
        const other = seen.get(key);
        if (other !== undefined)
          throw new UsageError(
            `${spec.option} and ${other} name the same ${key === "-" ? "standard output" : `file ${spec.path}`}`,
          );
        seen.set(key, spec.option);
        outputs.#open.push(outputs.#openOne(spec));
      }
    } catch (e) {
      outputs.abort();
      throw e;
    }
    outputs.#unregister = io.onInterrupt(() => outputs.abort());
    return outputs;
  }

  #openOne(spec: OutputSpec): OpenOutput {
    const fail = (why: string) => new RunError(`cannot write ${spec.option} ${spec.path}: ${why}`);
    if (spec.path === "-") {
      if (!spec.stdoutAllowed)
        throw new UsageError(
          `${spec.option} - : standard output is for --json and --md only; give ${spec.option} a file name`,
        );
      return this.#output(spec, "stdout", "", -1, "");
    }
    const target = resolve(this.#io.cwd, spec.path);
    let existing: ReturnType<typeof statSync> | undefined;
    try {
      existing = statSync(target);
    } catch (e) {
      if (code(e) !== "ENOENT") throw fail(reason(code(e), String((e as Error).message)));
    }
    if (existing?.isDirectory() === true) throw fail("it is a folder");
    if (existing !== undefined && !existing.isFile()) {
      // A device or a pipe (/dev/null, /dev/full, /dev/stdout): written in place.
      let fd = -1;
      try {
        fd = openSync(target, "w");
        writeSync(fd, Buffer.alloc(0));
      } catch (e) {
        if (fd >= 0) closeSync(fd);
        throw fail(reason(code(e), String((e as Error).message)));
      }
      return this.#output(spec, "device", target, fd, "");
    }
    const folder = dirname(target);
    let folderStat: ReturnType<typeof statSync>;
    try {
      folderStat = statSync(folder);
    } catch (e) {
      throw fail(reason(code(e), String((e as Error).message)));
    }
    if (!folderStat.isDirectory()) throw fail("a part of the path is not a folder");
    const temp = resolve(folder, `.${basename(target)}.${process.pid}.partial`);
    let fd = -1;
    try {
      fd = openSync(temp, "wx");
      writeSync(fd, Buffer.alloc(0));
      if (statfsSync(folder).bavail === 0) throw Object.assign(new Error(), { code: "ENOSPC" });
    } catch (e) {
      if (fd >= 0) {
        closeSync(fd);
        unlinkSync(temp);
      }
      throw fail(reason(code(e), String((e as Error).message)));
    }
    return this.#output(spec, "file", target, fd, temp);
  }

  #output(
    spec: OutputSpec,
    kind: Output["kind"],
    target: string,
    fd: number,
    temp: string,
  ): OpenOutput {
    const fail = (e: unknown) =>
      new RunError(
        `cannot write ${spec.option} ${spec.path}: ${reason(code(e), String((e as Error).message))}`,
      );
    const o: OpenOutput = {
      spec,
      kind,
      target,
      fd,
      temp,
      buffered: [],
      write: (text: string) => {
        if (kind === "stdout") {
          o.buffered.push(text);
          return;
        }
        try {
          const bytes = Buffer.from(text);
          let at = 0;
          while (at < bytes.length) at += writeSync(o.fd, bytes, at);
        } catch (e) {
          throw fail(e);
        }
      },
    };
    return o;
  }

  /** The output an option opened. */
  get(option: string): Output | undefined {
    return this.#open.find((o) => o.spec.option === option);
  }

  /** Whether a report goes to standard output (then the table does not). */
  get usesStdout(): boolean {
    return this.#open.some((o) => o.kind === "stdout");
  }

  /**
   * Finishes every output: files are flushed, closed and renamed over their targets; the
   * standard-output ones are printed last. On a failure, removes the rest and throws.
   */
  commit(): void {
    try {
      for (const o of this.#open) {
        if (o.kind === "stdout") continue;
        try {
          if (o.kind === "file") fsyncSync(o.fd);
          closeSync(o.fd);
          o.fd = -1;
        } catch (e) {
          throw new RunError(
            `cannot write ${o.spec.option} ${o.spec.path}: ${reason(code(e), String((e as Error).message))}`,
          );
        }
      }
      for (const o of this.#open) {
        if (o.kind !== "file") continue;
        try {
          renameSync(o.temp, o.target);
        } catch (e) {
          throw new RunError(
            `cannot write ${o.spec.option} ${o.spec.path}: ${reason(code(e), String((e as Error).message))}`,
          );
        }
      }
      for (const o of this.#open) if (o.kind === "stdout") this.#io.out(o.buffered.join(""));
      this.#done = true;
    } finally {
      if (!this.#done) this.abort();
      this.#unregister();
    }
  }

  /** Closes and removes every temporary (nothing partial stays). Safe to call twice. */
  abort(): void {
    if (this.#done) return;
    this.#done = true;
    for (const o of this.#open) {
      if (o.fd >= 0) {
        try {
          closeSync(o.fd);
        } catch {
          // already closed
        }
        o.fd = -1;
      }
      if (o.kind === "file") {
        try {
          unlinkSync(o.temp);
        } catch {
          // already gone (renamed or removed)
        }
      }
    }
    this.#unregister();
  }
}
