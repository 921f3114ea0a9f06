// <scale-dojo>: Scale Dojo in any page that can load one classic script (no module, no CORS
// set-up: the element only creates an iframe to the app's embed URL and listens to its height).
//   <script src="https://…/embed.js" defer></script>
//   <scale-dojo scenario="hpa-tv-spike" ui="knobs,controls,charts,grade" lang="ko" theme="auto"></scale-dojo>
// Attributes: scenario, sandbox, seed, lang (ko|en), ui (sections: story, objectives, knobs,
// controls, charts, log, grade), theme (light|dark|auto), height (px until the app reports its own).
// The frame grows to its content from the app's size messages ({scaleDojo: "size", height}),
// accepted only from the app's origin and from this element's own frame.
(function () {
  "use strict";
  if (!window.customElements || window.customElements.get("scale-dojo")) return;
  var script = document.currentScript;
  if (!script) {
    var all = document.querySelectorAll("script[src]");
    for (var i = all.length - 1; i >= 0 && !script; i--) if (/embed\.js(\?|#|$)/.test(all[i].src)) script = all[i];
  }
  var APP = script ? new URL("./", script.src) : null;
  // How long the app may take to report its size before the element says why nothing shows.
  var PATIENCE_MS = 30000;
  var TEXT = {
    en: { noScript: "Scale Dojo could not find where embed.js was loaded from, so it cannot show the scenario.",
      blocked: "Scale Dojo did not load in this frame (this page may block frames from {origin}, or the network is slow).",
      open: "Open it in a new tab" },
    ko: { noScript: "embed.js를 불러온 주소를 찾지 못해 시나리오를 보여 줄 수 없습니다.",
      blocked: "이 프레임에서 스케일 도장이 열리지 않았습니다 (이 페이지가 {origin}의 프레임을 막았거나 네트워크가 느립니다).",
      open: "새 탭에서 열기" },
  };

  class ScaleDojo extends HTMLElement {
    static get observedAttributes() { return ["scenario", "sandbox", "seed", "lang", "ui", "theme", "height"]; }
  }

  ScaleDojo.prototype.text = function () {
    var lang = (this.getAttribute("lang") || document.documentElement.lang || navigator.language || "en").toLowerCase();
    return lang.indexOf("ko") === 0 ? TEXT.ko : TEXT.en;
  };

  ScaleDojo.prototype.src = function () {
    var q = new URLSearchParams({ v: "1" });
    q.set("view", this.hasAttribute("sandbox") ? "sandbox" : "play");
    var scenario = this.getAttribute("scenario");
    if (scenario) q.set("s", scenario);
    ["seed", "lang", "ui", "theme"].forEach(function (name) {
      if (this.getAttribute(name)) q.set(name, this.getAttribute(name));
    }, this);
    q.set("embed", "1");
    return new URL("?" + q.toString(), APP).href;
  };

  ScaleDojo.prototype.say = function (message, href) {
    var box = this.querySelector(".scale-dojo-message");
    if (!message) { if (box) box.remove(); return; }
    if (!box) {
      box = document.createElement("p");
      box.className = "scale-dojo-message";
      box.setAttribute("role", "status");
      box.style.cssText = "margin:.5rem 0;padding:.6rem .8rem;border:1px solid #e69f00;border-radius:6px;background:#fff4d6;color:#3d2e00;font:inherit";
      this.prepend(box);
    }
    box.textContent = message + " ";
    if (href) {
      var a = document.createElement("a");
      a.href = href;
      a.target = "_blank";
      a.rel = "noopener";
      a.textContent = this.text().open;
      box.append(a);
    }
  };

  ScaleDojo.prototype.connectedCallback = function () {
    var self = this;
    if (!this._onMessage) {
      this._onMessage = function (event) {
        var frame = self.querySelector("iframe");
        if (!APP || event.origin !== APP.origin || !frame || event.source !== frame.contentWindow) return;
        var data = event.data;
        var height = data && data.scaleDojo === "size" ? Number(data.height) : NaN;
        if (!(height > 0 && height < 100000)) return;
        frame.style.height = Math.ceil(height) + "px";
        clearTimeout(self._patience);
        self.say(null);
        self.dataset.state = "ready";
      };
      window.addEventListener("message", this._onMessage);
    }
    this.render();
  };

  ScaleDojo.prototype.disconnectedCallback = function () {
    window.removeEventListener("message", this._onMessage);
    this._onMessage = null;
    clearTimeout(this._patience);
    if (this._seen) this._seen.disconnect();
  };

  ScaleDojo.prototype.attributeChangedCallback = function () {
    if (this.isConnected && this._onMessage) this.render();
  };

  ScaleDojo.prototype.render = function () {
    var self = this;
    if (!APP) { this.dataset.state = "error"; this.say(this.text().noScript); return; }
    var frame = this.querySelector("iframe");
    if (!frame) {
      frame = document.createElement("iframe");
      frame.style.cssText = "display:block;width:100%;border:1px solid #8888;border-radius:8px;background:transparent";
      frame.setAttribute("allow", "clipboard-write");
      this.append(frame);
    }
    var src = this.src();
    frame.title = "Scale Dojo: " + (this.getAttribute("scenario") || "sandbox");
    frame.style.height = (parseInt(this.getAttribute("height"), 10) || 480) + "px";
    this.dataset.state = "loading";
    // Load when the element comes near the screen; only then start waiting for the app.
    var load = function () {
      if (frame.getAttribute("src") !== src) frame.src = src;
      clearTimeout(self._patience);
      self._patience = setTimeout(function () {
        self.dataset.state = "blocked";
        self.say(self.text().blocked.replace("{origin}", APP.origin), src.replace(/([?&])embed=1(&|$)/, "$1").replace(/[?&]$/, ""));
      }, PATIENCE_MS);
    };
    if (this._seen) this._seen.disconnect();
    if (window.IntersectionObserver) {
      this._seen = new IntersectionObserver(function (entries) {
        if (entries.some(function (e) { return e.isIntersecting; })) { self._seen.disconnect(); load(); }
      }, { rootMargin: "400px" });
      this._seen.observe(this);
    } else {
      load();
    }
  };

  window.customElements.define("scale-dojo", ScaleDojo);
})();
