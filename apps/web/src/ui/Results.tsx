import {
  type BenchReport,
  type Cell,
  type ChartSection,
  fmt,
  metricLabel,
  metricTables,
  type Row,
  unitText,
  valueText,
} from "@exolab/bench";

/** A group of rows as the report shows them (the paper's tables), with its charts once drawn. */
export interface RowGroup {
  readonly title: string;
  readonly rows: readonly Row[];
  readonly charts?: ChartSection;
}

function ratioText(c: Cell): string {
  if (c.ratio === null) return "";
  return `${fmt(c.ratio)}x${c.paperRatio === null ? "" : ` (${fmt(c.paperRatio)}x)`}`;
}

/** One table of rows: per system our figure, the paper's, and the ratio to the baseline. */
function RowTable(props: {
  readonly group: RowGroup;
  readonly systems: readonly string[];
  readonly selected: string | undefined;
  readonly onSelect: (label: string) => void;
}) {
  const { group, systems } = props;
  return (
    <div class="table-wrap">
      <table class="results">
        <thead>
          <tr>
            <th scope="col">benchmark</th>
            <th scope="col">unit</th>
            {systems.map((s) => [
              <th scope="col" key={s} class="system">
                {s}
              </th>,
              <th scope="col" key={`${s}-paper`}>
                paper
              </th>,
              <th scope="col" key={`${s}-ratio`}>
                ratio (paper)
              </th>,
            ])}
          </tr>
        </thead>
        <tbody>
          {group.rows.map((r) => (
            <tr
              key={r.label}
              data-row={r.label}
              class={props.selected === r.label ? "selected" : undefined}
              title={r.note || undefined}
            >
              <th scope="row">
                <button
                  type="button"
                  class="row-button"
                  aria-pressed={props.selected === r.label}
                  onClick={() => props.onSelect(r.label)}
                >
                  {r.label}
                </button>
              </th>
              <td>{unitText(r.unit)}</td>
              {systems.map((s) => {
                const c = r.cells.find((x) => x.system === s);
                if (c === undefined)
                  return [
                    <td key={s} class="pending" data-system={s}>
                      …
                    </td>,
                    <td key={`${s}-paper`} />,
                    <td key={`${s}-ratio`} />,
                  ];
                return [
                  c.supported ? (
                    <td key={s} class="ours" data-system={s}>
                      {c.text}
                    </td>
                  ) : (
                    <td key={s} class="na" data-system={s} title={c.reason}>
                      n/a
                    </td>
                  ),
                  <td key={`${s}-paper`} class="paper">
                    {c.paperText}
                  </td>,
                  <td key={`${s}-ratio`} class="ratio" data-system={s}>
                    {c.supported ? ratioText(c) : ""}
                  </td>,
                ];
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The result tables (the report's groups), each with its charts below once the run is done. */
export function Results(props: {
  readonly groups: readonly RowGroup[];
  readonly report: BenchReport;
  readonly systems: readonly string[];
  readonly selected: string | undefined;
  readonly onSelect: (label: string) => void;
}) {
  const metrics = metricTables(props.report, props.systems);
  return (
    <div class="results-groups">
      {props.groups.map((g) => (
        <section key={g.title} class="group">
          <h2>{g.title}</h2>
          <RowTable
            group={g}
            systems={props.systems}
            selected={props.selected}
            onSelect={props.onSelect}
          />
          {g.charts === undefined ? null : (
            // Drawn by the HTML report's own chart code (Observable Plot) as static SVG; names escaped.
            <div class="charts" dangerouslySetInnerHTML={{ __html: g.charts.html }} />
          )}
        </section>
      ))}
      {metrics.map((t) => (
        <section key={t.benchmark} class="group">
          <h2>{t.benchmark}</h2>
          <div class="table-wrap">
            <table class="metrics">
              <thead>
                <tr>
                  <th scope="col">system</th>
                  {t.paramKeys.map((k) => (
                    <th scope="col" key={k}>
                      {k}
                    </th>
                  ))}
                  {t.metricKeys.map((k) => (
                    <th scope="col" key={k}>
                      {metricLabel(k)}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {t.rows.map((r, i) => (
                  <tr key={`${r.system}-${i}`}>
                    <th scope="row">{r.system}</th>
                    {t.paramKeys.map((k) => (
                      <td key={k}>{valueText(r.params[k])}</td>
                    ))}
                    {t.metricKeys.map((k) => (
                      <td key={k} class={r.supported ? "ours" : "na"} title={r.reason}>
                        {r.supported ? valueText(r.metrics[k]) : "n/a"}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ))}
    </div>
  );
}
