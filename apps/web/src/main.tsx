import { render } from "preact";
import { App } from "./ui/App.js";
import "./style.css";

const root = document.getElementById("app")!;
// The page's loading line goes: Preact adds to a container, it does not replace its content.
root.replaceChildren();
render(<App />, root);
