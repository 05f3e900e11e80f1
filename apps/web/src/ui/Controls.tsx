import { useState } from "preact/hooks";
import type { Catalog, PolicyValue, Selection } from "../protocol.js";
import { policyValue, withBenchmarks, withPolicy, withSystems } from "../selection.js";

interface Props {
  readonly catalog: Catalog;
  readonly selection: Selection;
  readonly running: boolean;
  readonly onChange: (s: Selection) => void;
  readonly onRun: () => void;
  readonly onCancel: () => void;
}

/** The benchmarks of the selection's suite in the paper's groups, then any others. */
function benchmarkGroups(c: Catalog, suite: string) {
  const all = c.suites.find((s) => s.id === suite)?.benchmarks ?? [];
  const groups = c.groups
    .map((g) => ({ title: g.title, benchmarks: all.filter((b) => g.benchmarks.includes(b.id)) }))
    .filter((g) => g.benchmarks.length > 0);
  const rest = all.filter((b) => !c.groups.some((g) => g.benchmarks.includes(b.id)));
  if (rest.length > 0) groups.push({ title: "Other benchmarks", benchmarks: rest });
  return groups;
}

/** One policy field: its default as placeholder, an override shown as set, a bad entry named. */
function PolicyField(props: {
  readonly system: string;
  readonly field: string;
  readonly fallback: PolicyValue;
  readonly value: PolicyValue | undefined;
  readonly disabled: boolean;
  readonly onSet: (v: PolicyValue | undefined) => void;
}) {
  const [error, setError] = useState<string | undefined>(undefined);
  const id = `policy-${props.system}-${props.field}`;
  return (
    <div class={`policy-field${props.value === undefined ? "" : " changed"}`}>
      <label for={id}>{props.field}</label>
      <input
        id={id}
        name={`${props.system}.${props.field}`}
        type="text"
        inputMode={typeof props.fallback === "number" ? "decimal" : "text"}
        placeholder={String(props.fallback)}
        value={props.value === undefined ? "" : String(props.value)}
        disabled={props.disabled}
        aria-invalid={error !== undefined}
        onChange={(e) => {
          const text = (e.currentTarget as HTMLInputElement).value;
          if (text.trim() === "") {
            setError(undefined);
            props.onSet(undefined);
            return;
          }
          const v = policyValue(text, props.fallback);
          if ("error" in v) {
            setError(v.error);
            return;
          }
          setError(undefined);
          props.onSet(v.value === props.fallback ? undefined : v.value);
        }}
      />
      {error === undefined ? null : <span class="error">{error}</span>}
    </div>
  );
}

/** What to run: profile, seed, systems, benchmarks and policies; Run and Cancel. */
export function Controls(props: Props) {
  const { catalog: c, selection: s, running } = props;
  const [seedError, setSeedError] = useState(false);
  const groups = benchmarkGroups(c, s.suite);
  const set = props.onChange;
  const toggle = (list: readonly string[], id: string, on: boolean) =>
    on ? [...list, id] : list.filter((x) => x !== id);
  return (
    <form
      class="controls"
      onSubmit={(e) => {
        e.preventDefault();
        if (!running) props.onRun();
      }}
    >
      <fieldset class="basics" disabled={running}>
        <legend>Machine and seed</legend>
        <label>
          profile{" "}
          <select
            id="profile"
            value={s.profile}
            onChange={(e) => {
              const profile = (e.currentTarget as HTMLSelectElement).value;
              set({ ...s, profile });
            }}
          >
            {c.profiles.map((p) => (
              <option key={p.id} value={p.id} title={p.description}>
                {p.id}
              </option>
            ))}
          </select>
        </label>
        <label>
          seed{" "}
          <input
            id="seed"
            type="number"
            min={0}
            max={4294967295}
            step={1}
            value={s.seed}
            aria-invalid={seedError}
            onChange={(e) => {
              const text = (e.currentTarget as HTMLInputElement).value;
              const v = Number(text);
              const ok = /^\d+$/.test(text.trim()) && v <= 4294967295;
              setSeedError(!ok);
              if (ok) set({ ...s, seed: v });
            }}
          />
        </label>
        {seedError ? <span class="error"> the seed is an integer in [0, 4294967295]</span> : null}
        <p class="hint">{c.profiles.find((p) => p.id === s.profile)?.description}</p>
      </fieldset>

      <fieldset class="systems" disabled={running}>
        <legend>Systems</legend>
        {c.systems.map((x) => (
          <label key={x.id} title={x.title}>
            <input
              type="checkbox"
              name="system"
              value={x.id}
              checked={s.systems.includes(x.id)}
              onChange={(e) =>
                set(
                  withSystems(
                    s,
                    toggle(s.systems, x.id, (e.currentTarget as HTMLInputElement).checked),
                    c,
                  ),
                )
              }
            />{" "}
            {x.id}
            {x.id === c.baseline ? " (baseline)" : ""}
          </label>
        ))}
      </fieldset>

      <fieldset class="benchmarks" disabled={running}>
        <legend>
          Benchmarks ({s.benchmarks.length}){" "}
          <button
            type="button"
            class="link"
            onClick={() =>
              set(
                withBenchmarks(
                  s,
                  groups.flatMap((g) => g.benchmarks.map((b) => b.id)),
                  c,
                ),
              )
            }
          >
            all
          </button>{" "}
          <button type="button" class="link" onClick={() => set({ ...s, benchmarks: [] })}>
            none
          </button>
        </legend>
        {groups.map((g) => (
          <div key={g.title} class="benchmark-group">
            <span class="group-title">{g.title}</span>
            {g.benchmarks.map((b) => (
              <label key={b.id} title={`${b.title} — runs on ${b.systems.join(", ")}`}>
                <input
                  type="checkbox"
                  name="benchmark"
                  value={b.id}
                  checked={s.benchmarks.includes(b.id)}
                  onChange={(e) =>
                    set(
                      withBenchmarks(
                        s,
                        toggle(s.benchmarks, b.id, (e.currentTarget as HTMLInputElement).checked),
                        c,
                      ),
                    )
                  }
                />{" "}
                {b.id}
              </label>
            ))}
          </div>
        ))}
      </fieldset>

      <fieldset class="policies" disabled={running}>
        <legend>Policies</legend>
        <p class="hint">
          Each system runs with its documented policy; a value set here overrides one field (empty:
          the default, shown grey). The kernel or libOS checks each value when the run starts.
        </p>
        {s.systems.map((system) => {
          const fields = c.policies[s.profile]?.[system] ?? {};
          const set_ = s.policies[system] ?? {};
          const changed = Object.keys(set_).length;
          return (
            <details key={system} class="policy" open={changed > 0}>
              <summary>
                {system}
                {changed > 0 ? ` (${changed} changed)` : ""}
              </summary>
              <div class="policy-fields">
                {Object.entries(fields).map(([field, fallback]) => (
                  <PolicyField
                    key={`${s.profile}-${field}`}
                    system={system}
                    field={field}
                    fallback={fallback}
                    value={set_[field]}
                    disabled={running}
                    onSet={(v) => set(withPolicy(s, system, field, v))}
                  />
                ))}
              </div>
            </details>
          );
        })}
      </fieldset>

      <div class="run-buttons">
        <button
          type="submit"
          id="run"
          disabled={running || s.systems.length === 0 || s.benchmarks.length === 0}
        >
          Run
        </button>
        <button type="button" id="cancel" disabled={!running} onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
