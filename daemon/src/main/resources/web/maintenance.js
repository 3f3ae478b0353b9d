// The line page's I/O panel for maintenance mode: enter/leave maintenance, every input live, and
// hold-to-run buttons for each output (io) and each zone (jog). While a button is pressed it sends
// its command every 200 ms as keep-alive; the daemon lets go 500 ms after the last one, or at once
// when this panel's own WebSocket closes (the page or the connection went away). Commands go
// through POST /api/cmd/<line>/<action> with the credentials typed into the page's login form.
(function () {
  "use strict";
  const KEEP_ALIVE_MS = 200;
  const HOLD_MS = 500;
  const $ = (id) => document.getElementById(id);
  const box = $("maintenance");
  if (!box) return;
  let session = null;        // this panel's WebSocket, named by the daemon's hello frame
  let cmdSeq = 0;
  const pressed = new Map(); // button key -> interval timer

  const style = document.createElement("style");
  style.textContent = "#maintenance .io{display:flex;flex-wrap:wrap;gap:4px;margin:4px 0}"
    + "#maintenance .pin{border:1px solid #999;border-radius:4px;padding:2px 6px;font:12px monospace}"
    + "#maintenance .pin.on{background:#2a2;color:#fff}"
    + "#maintenance button.hold{touch-action:none;user-select:none;min-width:5em;min-height:2.5em}"
    + "#maintenance button.hold.active{background:#e80;color:#fff}"
    + "#maint-answer{min-height:1.5em;margin:0}";
  document.head.appendChild(style);

  function send(line, action, params) {
    const user = $("user") ? $("user").value : "", secret = $("secret") ? $("secret").value : "";
    const body = Object.assign({ id: "maint-" + Date.now() + "-" + (++cmdSeq) }, params);
    return fetch("/api/cmd/" + line + "/" + action, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Authorization": "Basic " + btoa(user + ":" + secret) },
      body: JSON.stringify(body)
    }).then((r) => r.json()).then((j) => {
      if (!j.ok) $("maint-answer").textContent = action + ": " + j.error.code + " – " + j.error.message;
      return j;
    }).catch((e) => { $("maint-answer").textContent = action + ": " + e; });
  }

  function release(key) {
    const t = pressed.get(key);
    if (t === undefined) return false;
    clearInterval(t.timer);
    pressed.delete(key);
    send(t.line, t.action, Object.assign({}, t.params, { on: false }));
    return true;
  }

  // hold-to-run: keep-alives while pressed, a release on pointerup, leaving the button or cancel
  function holdButton(line, label, action, params) {
    const key = line + "/" + action + "/" + JSON.stringify(params);
    const b = document.createElement("button");
    b.className = "hold" + (pressed.has(key) ? " active" : "");
    b.textContent = label;
    b.title = "hold to run";
    b.dataset.action = action;
    b.dataset.target = params.zone || params.output;
    const start = (e) => {
      e.preventDefault();
      if (pressed.has(key) || !session) return;
      const body = Object.assign({ holdMs: HOLD_MS, session: session }, params, action === "io" ? { on: true } : {});
      send(line, action, body);
      pressed.set(key, { line: line, action: action, params: params, timer: setInterval(() => send(line, action, body), KEEP_ALIVE_MS) });
      b.classList.add("active");
    };
    const stop = () => { if (release(key)) b.classList.remove("active"); };
    b.addEventListener("pointerdown", start);
    b.addEventListener("pointerup", stop);
    b.addEventListener("pointerleave", stop);
    b.addEventListener("pointercancel", stop);
    b.addEventListener("contextmenu", (e) => e.preventDefault());
    return b;
  }

  function pins(title, levels) {
    const d = document.createElement("div");
    d.innerHTML = "<h4></h4><div class='io'></div>";
    d.querySelector("h4").textContent = title;
    fillPins(d.querySelector(".io"), levels);
    return d;
  }

  function fillPins(row, levels) {
    row.textContent = "";
    for (const name in levels || {}) {
      const p = document.createElement("span");
      p.className = "pin" + (levels[name] ? " on" : "");
      p.textContent = name + " " + (levels[name] ? "on" : "off");
      row.appendChild(p);
    }
  }

  function holdsText(s) {
    return "Held: " + ((s.holds || []).map((x) => x.output + " (" + x.phase + ", " + x.by + ")").join(", ") || "nothing");
  }

  // the buttons are built once per layout and never replaced while the line's state streams in: a
  // pressed button taken out of the page would never see its pointerup
  function draw(line, s) {
    let panel = $("maint-" + line);
    if (!panel) {
      panel = document.createElement("div");
      panel.id = "maint-" + line;
      box.appendChild(panel);
    }
    const layout = JSON.stringify([!!s.maintenance, Object.keys(s.outputs || {}), (s.zones || []).map((z) => z.id)]);
    if (panel.dataset.layout === layout) {
      if (s.maintenance) {
        panel.querySelectorAll(".levels")[0].replaceWith(levelsOf("Inputs", s.inputs));
        panel.querySelectorAll(".levels")[1].replaceWith(levelsOf("Outputs", s.outputs));
        panel.querySelector(".holds").textContent = holdsText(s);
      }
      return;
    }
    panel.dataset.layout = layout;
    panel.textContent = "";
    const h = document.createElement("h3");
    h.textContent = line + (s.maintenance ? ": maintenance mode" : "");
    panel.appendChild(h);
    const toggle = document.createElement("button");
    toggle.textContent = s.maintenance ? "Leave maintenance mode" : "Enter maintenance mode";
    toggle.onclick = () => send(line, "maintenance", { on: !s.maintenance });
    panel.appendChild(toggle);
    if (!s.maintenance) {
      // a released button must not keep a hold alive once the mode ended elsewhere
      for (const key of Array.from(pressed.keys())) if (key.startsWith(line + "/")) release(key);
      return;
    }
    // the buttons above anything whose size changes: a layout shift under a held finger would release it
    const jog = document.createElement("div");
    jog.className = "io";
    jog.appendChild(document.createTextNode("Jog: "));
    (s.zones || []).forEach((z) => jog.appendChild(holdButton(line, z.id, "jog", { zone: z.id })));
    panel.appendChild(jog);
    const io = document.createElement("div");
    io.className = "io";
    io.appendChild(document.createTextNode("Hold output: "));
    // the heartbeat feeds the watchdog: the daemon never holds it
    Object.keys(s.outputs || {}).filter((n) => !n.endsWith("heartbeat"))
      .forEach((n) => io.appendChild(holdButton(line, n, "io", { output: n })));
    panel.appendChild(io);
    const holds = document.createElement("p");
    holds.className = "holds";
    holds.textContent = holdsText(s);
    panel.appendChild(holds);
    panel.appendChild(levelsOf("Inputs", s.inputs));
    panel.appendChild(levelsOf("Outputs", s.outputs));
  }

  function levelsOf(title, levels) {
    const d = pins(title, levels);
    d.className = "levels";
    return d;
  }

  // a finger lifted anywhere, the page hidden or left: nothing stays held
  function releaseAll() {
    for (const key of Array.from(pressed.keys())) release(key);
    box.querySelectorAll("button.hold.active").forEach((b) => b.classList.remove("active"));
  }
  document.addEventListener("pointerup", releaseAll);
  document.addEventListener("pointercancel", releaseAll);
  window.addEventListener("blur", releaseAll);
  document.addEventListener("visibilitychange", () => { if (document.hidden) releaseAll(); });

  function connect() {
    const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws");
    ws.onmessage = (e) => {
      const m = JSON.parse(e.data);
      if (m.type === "hello") session = m.session;
      else if (m.type === "state" && m.kind === "line" && m.state) draw(m.device, m.state);
    };
    ws.onclose = () => {
      // the daemon ends this connection's holds itself; stop sending for them
      session = null;
      for (const t of pressed.values()) clearInterval(t.timer);
      pressed.clear();
      setTimeout(connect, 1000);
    };
  }

  const answer = document.createElement("p");
  answer.id = "maint-answer";
  box.appendChild(answer);
  connect();
})();
