// <scale-dojo> for blogs that allow scripts: an iframe of one scenario (or the sandbox) with
// the chosen controls. Attributes: scenario, sandbox, seed, lang, ui (e.g. "controls,charts"),
// height (px). Everything else about the run lives in the iframe's URL.
//   <script type="module" src="https://…/embed.js"></script>
//   <scale-dojo scenario="hpa-tv-spike" ui="knobs,controls,charts,grade" lang="ko"></scale-dojo>
const APP = new URL("./", import.meta.url);

class ScaleDojoEmbed extends HTMLElement {
  static observedAttributes = ["scenario", "sandbox", "seed", "lang", "ui", "height"];

  connectedCallback() { this.render(); }
  attributeChangedCallback() { if (this.isConnected) this.render(); }

  src() {
    const q = new URLSearchParams({ v: "1" });
    const scenario = this.getAttribute("scenario");
    if (this.hasAttribute("sandbox")) q.set("view", "sandbox");
    else q.set("view", "play");
    if (scenario) q.set("s", scenario);
    for (const name of ["seed", "lang", "ui"]) if (this.getAttribute(name)) q.set(name, this.getAttribute(name));
    q.set("embed", "1");
    return new URL("?" + q.toString(), APP).href;
  }

  render() {
    let frame = this.querySelector("iframe");
    if (!frame) {
      frame = document.createElement("iframe");
      frame.style.cssText = "width:100%;border:1px solid #ccc;border-radius:8px";
      frame.loading = "lazy";
      this.append(frame);
    }
    frame.title = "Scale Dojo: " + (this.getAttribute("scenario") ?? "sandbox");
    frame.height = this.getAttribute("height") ?? "720";
    frame.src = this.src();
  }
}

customElements.define("scale-dojo", ScaleDojoEmbed);
