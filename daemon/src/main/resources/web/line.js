// The line page: an SVG of each line (zones in order, the sorter, its lanes and the exception lane)
// redrawn from the live feed on /ws, the e-stop banner, the stack light, every device's state, the
// last 50 events, and the commands. The feed reconnects by itself; "disconnected" shows meanwhile.
// Commands go to POST /api/cmd/<device>/<action> with Basic credentials from http.auth.
(function () {
  "use strict";
  const NS = "http://www.w3.org/2000/svg";
  const $ = (id) => document.getElementById(id);
  const lines = {};      // line id -> last state
  let cmdSeq = 0;

  function el(tag, attrs, text) {
    const e = document.createElementNS(NS, tag);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function drawLine(id, s) {
    let svg = $("svg-" + id);
    if (!svg) {
      svg = el("svg", { id: "svg-" + id, "class": "line", role: "img", "aria-label": "line " + id });
      $("lines").appendChild(svg);
    }
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    const zones = s.zones || [], lanes = s.lanes || [];
    const zw = 90, gap = 10, top = 30;
    const sorterX = 10 + zones.length * (zw + gap);
    const laneW = 70;
    // the line lists its exception lane among the lanes; a line that does not still gets one drawn
    const ownException = lanes.some((l) => l.id === "exception");
    const width = sorterX + Math.max(1, lanes.length + (ownException ? 0 : 1)) * (laneW + gap) + 10;
    svg.setAttribute("viewBox", "0 0 " + width + " 190");
    svg.appendChild(el("text", { x: 10, y: 18 }, id + (s.running ? " running" : s.starting ? " starting" : " stopped")
      + (s.speedMps ? " at " + s.speedMps + " m/s" : "") + (s.faults && s.faults.length ? " – faults: " + s.faults.join(", ") : "")));
    zones.forEach((z, i) => {
      const x = 10 + i * (zw + gap);
      const cls = ["zone", z.motor ? "motor" : "", z.occupied ? "occupied" : "", z.jammed ? "jammed" : "",
        z.heldForFullLane ? "held" : ""].join(" ");
      const g = el("g", { "class": "zone-g", "data-zone": z.id });
      g.appendChild(el("rect", { x: x, y: top, width: zw, height: 40, rx: 4, "class": cls }));
      // the photo-eye sits near the discharge end
      g.appendChild(el("circle", { cx: x + zw - 8, cy: top + 20, r: 4, fill: z.occupied ? "#024" : "#fff", stroke: "#024" }));
      g.appendChild(el("text", { x: x + 4, y: top + 14 }, z.id + (z.jammed ? " JAM" : "")));
      g.appendChild(el("text", { x: x + 4, y: top + 34 }, (z.bags || []).join(" ")));
      if (z.heldForFullLane) g.appendChild(el("text", { x: x + 4, y: top + 55 }, "held: " + z.heldForFullLane));
      svg.appendChild(g);
    });
    // the sorter: one belt along the lanes
    svg.appendChild(el("rect", { x: sorterX, y: top, width: width - sorterX - 10, height: 40, rx: 4, "class": "zone" + (s.running ? " motor" : "") }));
    svg.appendChild(el("text", { x: sorterX + 4, y: top + 14 }, "sorter"));
    lanes.forEach((l, i) => {
      const x = sorterX + i * (laneW + gap);
      const g = el("g", { "class": "lane-g", "data-lane": l.id });
      g.appendChild(el("rect", { x: x, y: top + 60, width: laneW, height: 90, rx: 4,
        "class": l.id === "exception" ? "exception" : "lane" + (l.full ? " full" : "") }));
      g.appendChild(el("text", { x: x + 4, y: top + 76 }, l.id));
      g.appendChild(el("text", { x: x + 4, y: top + 92 }, l.order || "–"));
      g.appendChild(el("text", { x: x + 4, y: top + 108 }, (l.bags || []).length + " bag(s)" + (l.full ? " ✓" : "")));
      svg.appendChild(g);
    });
    if (!ownException) {
      const ex = sorterX + lanes.length * (laneW + gap);
      svg.appendChild(el("rect", { x: ex, y: top + 60, width: laneW, height: 90, rx: 4, "class": "exception" }));
      svg.appendChild(el("text", { x: ex + 4, y: top + 76 }, "exception"));
    }
  }

  // what the daemon would refuse, and why: the button is shown disabled with the reason
  function drawButtons() {
    const box = $("buttons");
    box.textContent = "";
    for (const id in lines) {
      const s = lines[id];
      const add = (label, action, body, why) => {
        const b = document.createElement("button");
        b.textContent = label;
        b.dataset.action = action;
        b.disabled = !!why;
        if (why) b.title = why;
        b.onclick = () => send(id, action, body);
        box.appendChild(b);
        if (why) {
          const w = document.createElement("span");
          w.className = "why";
          w.textContent = why;
          box.appendChild(w);
        }
      };
      add("Start", "start", {}, s.estop ? "e-stop is pressed" : s.resetRequired ? "reset first" : s.maintenance ? "maintenance mode" : s.running ? "already running" : "");
      add("Stop", "stop", {}, s.running || s.starting ? "" : "not running");
      add("Reset", "reset", {}, s.estop ? "release the e-stop first" : s.resetRequired ? "" : "nothing to reset");
      (s.lanes || []).forEach((l) => add("Collect " + l.id, "collect", { lane: l.id }, (l.bags || []).length ? "" : "lane empty"));
    }
  }

  function send(device, action, body) {
    const user = $("user").value, secret = $("secret").value;
    body = Object.assign({ id: "page-" + Date.now() + "-" + (++cmdSeq) }, body);
    fetch("/api/cmd/" + device + "/" + action, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Authorization": "Basic " + btoa(user + ":" + secret) },
      body: JSON.stringify(body)
    }).then((r) => r.json().then((j) => {
      $("answer").textContent = action + ": " + (j.ok ? "ok" : (j.error.code + " – " + j.error.message));
    })).catch((e) => { $("answer").textContent = action + ": " + e; });
  }

  function drawLight(s) {
    const l = s.stackLight || {};
    ["g", "y", "r", "b"].forEach((c, i) => {
      const on = l[["green", "yellow", "red", "blue"][i]];
      document.querySelector("#light i." + c).className = c + (on ? " on" : "");
    });
  }

  function deviceBox(m) {
    let d = $("dev-" + m.device);
    if (!d) {
      d = document.createElement("div");
      d.id = "dev-" + m.device;
      d.className = "device";
      d.innerHTML = "<h3></h3><pre></pre>";
      $("devices").appendChild(d);
    }
    d.querySelector("h3").textContent = m.device + " (" + m.kind + "): " + m.status + (m.reason ? " – " + m.reason : "");
    d.querySelector("pre").textContent = JSON.stringify(m.state);
  }

  function onState(m) {
    deviceBox(m);
    if (m.kind !== "line" || !m.state) return;
    lines[m.device] = m.state;
    drawLine(m.device, m.state);
    drawLight(m.state);
    $("estop").hidden = !Object.values(lines).some((s) => s.estop);
    drawButtons();
  }

  function onEvent(m) {
    const li = document.createElement("li");
    li.textContent = new Date().toLocaleTimeString() + " " + m.device + " " + m.event + " " + JSON.stringify(m.fields)
      + (m.cmdId ? " (cmd " + m.cmdId + ")" : "");
    const list = $("events");
    list.insertBefore(li, list.firstChild);
    while (list.children.length > 50) list.removeChild(list.lastChild);
    if (m.event === "estop" && m.fields.active) $("estop").hidden = false;
  }

  function connect() {
    const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws");
    ws.onopen = () => { $("conn").textContent = "connected"; $("conn").className = "up"; };
    ws.onmessage = (e) => {
      const m = JSON.parse(e.data);
      if (m.type === "state") onState(m); else if (m.type === "event") onEvent(m);
    };
    ws.onclose = () => {
      $("conn").textContent = "disconnected – reconnecting";
      $("conn").className = "down";
      setTimeout(connect, 1000);
    };
  }
  connect();
})();
