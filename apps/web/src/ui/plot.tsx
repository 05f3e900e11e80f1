import { useEffect, useRef, useState } from "preact/hooks";

export type PlotModule = typeof import("@observablehq/plot");

let plotModule: Promise<PlotModule> | undefined;
/** Observable Plot, loaded on first use (the page's first paint does not wait for it). */
export function loadPlot(): Promise<PlotModule> {
  plotModule ??= import("@observablehq/plot");
  return plotModule;
}

/** The categories' colours, the same in every chart of the page (Tableau 10, colour-blind safe). */
export const CATEGORY_COLORS: readonly string[] = [
  "#4e79a7",
  "#f28e2b",
  "#e15759",
  "#76b7b2",
  "#59a14f",
  "#edc948",
  "#b07aa1",
  "#ff9da7",
  "#9c755f",
  "#bab0ac",
];

/**
 * A chart drawn by Plot as wide as its box, redrawn when the box's width changes (a phone
 * turned, a window resized). `draw` gets Plot and the width in CSS pixels.
 */
export function PlotBox(props: {
  readonly draw: (Plot: PlotModule, widthPx: number) => Element;
  readonly label: string;
  readonly className?: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  const [failed, setFailed] = useState<string | undefined>(undefined);
  useEffect(() => {
    const el = box.current!;
    const measure = () => setWidth(Math.floor(el.clientWidth));
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  useEffect(() => {
    if (width <= 0) return;
    let live = true;
    // Each chart in a task of its own (after a timer), so that several charts drawn at once
    // never hold the page's thread in one long task.
    const timer = setTimeout(() => {
      loadPlot()
        .then((Plot) => {
          if (!live) return;
          box.current!.replaceChildren(props.draw(Plot, width));
          setFailed(undefined);
        })
        .catch((e: unknown) => setFailed(e instanceof Error ? e.message : String(e)));
    }, 0);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [width, props.draw]);
  return (
    <div class={`plot ${props.className ?? ""}`} role="img" aria-label={props.label}>
      <div ref={box} class="plot-box" />
      {failed === undefined ? null : <p class="error">the chart could not be drawn: {failed}</p>}
    </div>
  );
}
