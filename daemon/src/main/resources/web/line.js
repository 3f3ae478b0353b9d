// The line page. Each line is drawn from its configured layout (GET /api/layout: stations, zones
// with where each leads, so merges show, the sorter with its diverters, the lanes and the exception
// lane) and filled in from the live feed on /ws: zones, bags moving with their ids, lanes, the
// e-stop banner, the stack light, printers, the shift figures, every device's state and the last
// 50 events. The feed reconnects by itself; "disconnected" shows meanwhile.
// Commands go to POST /api/cmd/<device>/<action> with Basic credentials from http.auth; a button
// the daemon would refuse is disabled, with the reason beside it.
(function () {
  "use strict";
  const NS = "http://www.w3.org/2000/svg";
  const $ = (id) => document.getElementById(id);
  const lines = {};      // line id -> last state
  const printers = {};   // printer id -> last state
  let layouts = {};      // line id -> layout from /api/layout
  let cmdSeq = 0;

  // geometry of the picture, in SVG units
  const ZW = 96, ZH = 40, GAP = 26, TOP = 28, STATION_W = 70, LANE_W = 76, LANE_H = 100, BAG_W = 58, BAG_H = 14;

  function el(tag, attrs, text) {
    const e = document.createElementNS(NS, tag);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function html(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // without a layout (an old daemon, a failed fetch): the zones in their order, straight into the sorter
  function layoutOf(id, s) {
    if (layouts[id]) return layouts[id];
    const zones = (s.zones || []).map((z, i, all) => ({ id: z.id, next: i + 1 < all.length ? all[i + 1].id : "sorter" }));
    const lanes = (s.lanes || []).map((l) => ({ id: l.id, capacity: null }));
    return { zones: zones, stations: [], sorter: { diverters: [], runOutLane: "exception" }, lanes: lanes };
  }

  // where each part sits: zones in columns by how many hops they are from the sorter (a merge's feeds
  // share a column, one above the other), the sorter after the last column, lanes under their diverters
  function geometry(layout) {
    const byId = {};
    layout.zones.forEach((z) => { byId[z.id] = z; });
    const hops = {};
    const hopsOf = (z, seen) => {
      if (hops[z.id] !== undefined) return hops[z.id];
      const next = byId[z.next];
      const h = !next || seen[z.id] ? 1 : 1 + hopsOf(next, Object.assign({ [z.id]: true }, seen));
      hops[z.id] = h;
      return h;
    };
    layout.zones.forEach((z) => hopsOf(z, {}));
    const maxHops = Math.max(1, ...Object.values(hops));
    const rowsInColumn = {};
    const zonePos = {};
    const left = layout.stations.length ? STATION_W + GAP : 10;
    layout.zones.forEach((z) => {
      const col = maxHops - hops[z.id];
      const row = rowsInColumn[col] = (rowsInColumn[col] === undefined ? 0 : rowsInColumn[col] + 1);
      zonePos[z.id] = { x: left + col * (ZW + GAP), y: TOP + row * (ZH + GAP), col: col };
    });
    // a zone fed by several sits level with the middle of its feeds
    for (let col = 1; col <= maxHops; col++) {
      layout.zones.filter((z) => zonePos[z.id].col === col).forEach((z) => {
        const feeds = layout.zones.filter((f) => f.next === z.id);
        if (feeds.length > 1) zonePos[z.id].y = feeds.reduce((a, f) => a + zonePos[f.id].y, 0) / feeds.length;
      });
    }
    const mainY = layout.zones.length ? Math.max(...layout.zones.filter((z) => byId[z.next] === undefined).map((z) => zonePos[z.id].y)) : TOP;
    const sorterX = left + maxHops * (ZW + GAP);
    const runOut = layout.sorter.runOutLane || "exception";
    const laneX = {};
    const ordered = layout.lanes.filter((l) => l.id !== runOut);
    ordered.forEach((l, i) => { laneX[l.id] = sorterX + 10 + i * (LANE_W + 10); });
    laneX[runOut] = sorterX + 10 + ordered.length * (LANE_W + 10);
    const sorterW = laneX[runOut] + LANE_W + 10 - sorterX;
    const rows = Math.max(1, ...Object.values(rowsInColumn).map((r) => r + 1));
    const laneY = Math.max(mainY + ZH + 30, TOP + rows * (ZH + GAP));
    return { zonePos: zonePos, sorterX: sorterX, sorterW: sorterW, mainY: mainY, laneX: laneX, laneY: laneY, runOut: runOut,
      width: sorterX + sorterW + 10, height: laneY + LANE_H + 20, left: left };
  }

  function drawLine(id, s) {
    const layout = layoutOf(id, s);
    const g = geometry(layout);
    let svg = $("svg-" + id);
    if (!svg) {
      svg = el("svg", { id: "svg-" + id, "class": "line", role: "img", "aria-label": "line " + id });
      svg.appendChild(el("g", { "class": "static" }));
      svg.appendChild(el("g", { "class": "bags" }));
      const box = html("div", { "class": "picture" });
      box.appendChild(svg);
      $("lines").appendChild(box);
    }
    svg.setAttribute("viewBox", "0 0 " + g.width + " " + g.height);
    svg.style.minWidth = Math.round(g.width * 0.75) + "px";
    const pic = svg.querySelector("g.static");
    while (pic.firstChild) pic.removeChild(pic.firstChild);
    pic.appendChild(el("text", { x: 10, y: 16, "class": "title" }, id + (s.running ? " running" : s.starting ? " starting" : " stopped")
      + (s.speedMps ? " at " + s.speedMps + " m/s" : "") + (s.faults && s.faults.length ? " – faults: " + s.faults.join(", ") : "")));
    const zoneState = {};
    (s.zones || []).forEach((z) => { zoneState[z.id] = z; });

    // conveyor links first, under the zones: a merge is two links into one zone
    layout.zones.forEach((z) => {
      const p = g.zonePos[z.id], n = g.zonePos[z.next];
      const x2 = n ? n.x : g.sorterX, y2 = (n ? n.y : g.mainY) + ZH / 2;
      pic.appendChild(el("path", { d: "M" + (p.x + ZW) + " " + (p.y + ZH / 2) + " L" + x2 + " " + y2, "class": "link" }));
    });
    const feeds = {};
    layout.zones.forEach((z) => { feeds[z.next] = (feeds[z.next] || 0) + 1; });
    layout.stations.forEach((st) => {
      const p = g.zonePos[st.zone];
      if (!p) return;
      const sg = el("g", { "class": "station-g", "data-station": st.id });
      sg.appendChild(el("rect", { x: p.x - STATION_W - GAP + 8, y: p.y + 4, width: STATION_W, height: ZH - 8, rx: 3, "class": "station" }));
      sg.appendChild(el("text", { x: p.x - STATION_W - GAP + 12, y: p.y + 18 }, st.id));
      if (st.scanner) sg.appendChild(el("text", { x: p.x - STATION_W - GAP + 12, y: p.y + 30, "class": "small" }, st.scanner));
      sg.appendChild(el("path", { d: "M" + (p.x - GAP + 8) + " " + (p.y + ZH / 2) + " L" + p.x + " " + (p.y + ZH / 2), "class": "link" }));
      pic.appendChild(sg);
    });
    layout.zones.forEach((lz) => {
      const z = zoneState[lz.id] || {};
      const p = g.zonePos[lz.id];
      const cls = ["zone", z.motor ? "motor" : "", z.occupied ? "occupied" : "", z.jammed ? "jammed" : "",
        z.heldForFullLane ? "held" : "", feeds[lz.id] > 1 ? "merge" : ""].join(" ");
      const zg = el("g", { "class": "zone-g", "data-zone": lz.id });
      zg.appendChild(el("rect", { x: p.x, y: p.y, width: ZW, height: ZH, rx: 4, "class": cls }));
      // the photo-eye sits near the discharge end
      zg.appendChild(el("circle", { cx: p.x + ZW - 7, cy: p.y + 7, r: 4, fill: z.occupied ? "#024" : "#fff", stroke: "#024" }));
      zg.appendChild(el("text", { x: p.x + 4, y: p.y + 12 }, lz.id + (feeds[lz.id] > 1 ? " (merge)" : "") + (z.jammed ? " JAM" : "")
        + (lz.scale ? " ⚖" : "")));
      if (z.heldForFullLane) zg.appendChild(el("text", { x: p.x + 4, y: p.y + ZH + 11, "class": "small" }, "held: " + z.heldForFullLane));
      pic.appendChild(zg);
    });
    // the sorter: one belt along the lanes, a diverter over each
    pic.appendChild(el("rect", { x: g.sorterX, y: g.mainY, width: g.sorterW, height: ZH, rx: 4, "class": "zone sorter" + (s.running ? " motor" : "") }));
    pic.appendChild(el("text", { x: g.sorterX + 4, y: g.mainY + 12 }, "sorter"));
    const laneState = {};
    (s.lanes || []).forEach((l) => { laneState[l.id] = l; });
    const laneIds = layout.lanes.map((l) => l.id);
    if (!laneIds.includes(g.runOut)) laneIds.push(g.runOut);
    laneIds.forEach((lid) => {
      const l = laneState[lid] || { id: lid, bags: [] };
      const cfg = layout.lanes.find((x) => x.id === lid) || {};
      const x = g.laneX[lid];
      const exception = lid === g.runOut;
      const lg = el("g", { "class": "lane-g", "data-lane": lid });
      if (!exception) lg.appendChild(el("path", { d: "M" + (x + LANE_W / 2) + " " + (g.mainY + ZH) + " L" + (x + LANE_W / 2) + " " + g.laneY, "class": "diverter" }));
      lg.appendChild(el("rect", { x: x, y: g.laneY, width: LANE_W, height: LANE_H, rx: 4,
        "class": exception ? "exception" : "lane" + (l.full ? " full" : "") + (l.check ? " check" : "") }));
      lg.appendChild(el("text", { x: x + 4, y: g.laneY + 12 }, lid));
      lg.appendChild(el("text", { x: x + 4, y: g.laneY + 24, "class": "small" }, exception ? "exception" : (l.order || "–")));
      const n = (l.bags || []).length;
      lg.appendChild(el("text", { x: x + 4, y: g.laneY + LANE_H - 6, "class": "small" },
        n + (cfg.capacity ? "/" + cfg.capacity : "") + " bag(s)" + (l.full ? " ✓ ready" : "") + (l.check ? " CHECK" : "")));
      pic.appendChild(lg);
    });
    drawBags(svg, s, g);
  }

  // each bag keeps its element across states, so a move from zone to sorter to lane slides (CSS)
  function drawBags(svg, s, g) {
    const layer = svg.querySelector("g.bags");
    const seen = {};
    const place = (bag, where, x, y, title) => {
      seen[bag] = true;
      let b = layer.querySelector('g[data-bag="' + CSS.escape(bag) + '"]');
      if (!b) {
        b = el("g", { "class": "bag", "data-bag": bag });
        b.appendChild(el("rect", { width: BAG_W, height: BAG_H, rx: 3 }));
        b.appendChild(el("text", { x: 3, y: 10 }, bag.length > 9 ? bag.slice(0, 8) + "…" : bag));
        b.appendChild(el("title", {}, bag));
        layer.appendChild(b);
      }
      b.setAttribute("data-where", where);
      b.querySelector("title").textContent = bag + " – " + title;
      b.style.transform = "translate(" + x + "px," + y + "px)";
    };
    (s.zones || []).forEach((z) => {
      const p = g.zonePos[z.id];
      if (!p) return;
      // a zone holds one bag, two while one hands over to the next: the second sits at the discharge end
      (z.bags || []).forEach((bag, i) => place(bag, z.id, p.x + 4 + Math.min(i, 1) * (ZW - BAG_W - 8), p.y + 20, "in zone " + z.id));
    });
    const onSorter = (s.sorter && s.sorter.bags) || [];
    onSorter.forEach((b, i) => {
      // first off the end first: the earlier in the list, the further along the belt
      const x = g.sorterX + 50 + (onSorter.length - 1 - i) * (BAG_W + 6);
      place(b.id, "sorter", Math.min(x, g.sorterX + g.sorterW - BAG_W - 4), g.mainY + 20, "on the sorter" + (b.dest ? " for " + b.dest : ""));
    });
    (s.lanes || []).forEach((l) => {
      const x = g.laneX[l.id];
      if (x === undefined) return;
      const bags = l.bags || [];
      const per = Math.floor((LANE_H - 42) / (BAG_H + 2));
      bags.forEach((bag, i) => {
        const shown = Math.min(i, per - 1);   // a full exception lane stacks its last bags on one another
        place(bag, l.id, x + 9, g.laneY + 28 + shown * (BAG_H + 2), "in " + l.id);
      });
    });
    layer.querySelectorAll("g.bag").forEach((b) => { if (!seen[b.getAttribute("data-bag")]) b.remove(); });
  }

  // what the daemon would refuse, and why: the button is shown disabled with the reason
  function button(box, device, label, action, body, why) {
    const b = html("button", {}, label);
    b.dataset.action = action;
    b.dataset.device = device;
    if (body.lane) b.dataset.lane = body.lane;
    if (body.job) b.dataset.job = body.job;
    b.disabled = !!why;
    if (why) b.title = why;
    b.onclick = () => send(device, action, body);
    box.appendChild(b);
    if (why) box.appendChild(html("span", { "class": "why" }, why));
  }

  function resetRefusal(s) {
    if (s.estop) return "release the e-stop first";
    if (s.estopLatched && s.resetAfterEstop === "button") return "after an e-stop, press the reset button at the line";
    return s.resetRequired ? "" : "nothing to reset";
  }

  function startRefusal(s) {
    if (s.estop) return "e-stop is pressed";
    if (s.estopLatched && s.resetAfterEstop === "button") return "reset at the line first";
    if (s.resetRequired) return "reset first";
    if (s.io === "lost") return "its I/O is not reachable";
    if (s.maintenance) return "maintenance mode";
    return s.running ? "already running" : "";
  }

  function drawButtons() {
    const box = $("buttons");
    box.textContent = "";
    for (const id in lines) {
      const s = lines[id];
      button(box, id, "Start", "start", {}, startRefusal(s));
      button(box, id, "Stop", "stop", {}, s.running || s.starting ? "" : "not running");
      button(box, id, "Reset", "reset", {}, resetRefusal(s));
      (s.lanes || []).forEach((l) => {
        button(box, id, "Collect " + l.id, "collect", { lane: l.id }, (l.bags || []).length ? "" : "lane empty");
        if (l.check) button(box, id, "Confirm " + l.id, "confirm", { lane: l.id }, "");
      });
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

  const PRINTER_FAULTS = { "paper-out": "paper out", "head-open": "head open", "ribbon-out": "ribbon out", "paused": "paused",
    "offline": "offline", "paper-jam": "paper jam" };

  function drawPrinter(id, m) {
    const s = m.state || {};
    let box = $("printer-" + id);
    if (!box) {
      box = html("div", { id: "printer-" + id, "class": "printer" });
      $("printers").appendChild(box);
    }
    box.textContent = "";
    box.appendChild(html("h3", {}, id + (s.online === false ? " – offline" : s.ready ? " – ready" : " – not ready")));
    const faults = html("p", { "class": "faults" });
    (s.faults || []).forEach((f) => faults.appendChild(html("span", { "class": "fault", "data-fault": f }, PRINTER_FAULTS[f] || f)));
    if (!(s.faults || []).length) faults.appendChild(html("span", { "class": "ok" }, "no faults"));
    box.appendChild(faults);
    box.appendChild(html("p", { "class": "queue" }, "queue: " + (s.queued || 0) + (s.inPrinter ? " (" + s.inPrinter + " in the printer)" : "")));
    const uncertain = s.uncertain || [];
    if (uncertain.length) {
      box.appendChild(html("p", {}, "Did these labels come out? Reprint or discard:"));
      const list = html("ul", { "class": "uncertain" });
      uncertain.forEach((job) => {
        const li = html("li", { "data-job": job }, job + " ");
        button(li, id, "Reprint", "reprint", { job: job }, "");
        button(li, id, "Discard", "discard", { job: job }, "");
        list.appendChild(li);
      });
      box.appendChild(list);
    }
  }

  const FIGURES = [["bagsPerHour", "bags per hour"], ["ordersCompleted", "orders completed"],
    ["orderTimeP50S", "order time p50 (s)"], ["orderTimeP95S", "order time p95 (s)"], ["runningS", "running"], ["stoppedS", "stopped"]];

  function duration(s) {
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    return h ? h + " h " + m + " min" : m ? m + " min " + (s % 60) + " s" : s + " s";
  }

  function drawShift(id, f) {
    let box = $("shift-" + id);
    if (!box) {
      box = html("div", { id: "shift-" + id, "class": "shift" });
      $("shift").appendChild(box);
    }
    box.textContent = "";
    box.appendChild(html("h3", {}, id + " – last " + duration(f.windowS || 0)));
    const dl = html("dl");
    FIGURES.forEach(([k, label]) => {
      const v = f[k];
      dl.appendChild(html("dt", {}, label));
      dl.appendChild(html("dd", { "data-figure": k }, v === null || v === undefined ? "–" : (k === "runningS" || k === "stoppedS") ? duration(v) : String(v)));
    });
    const counts = (k, label) => {
      const o = f[k] || {};
      dl.appendChild(html("dt", {}, label));
      dl.appendChild(html("dd", { "data-figure": k }, Object.keys(o).length ? Object.entries(o).map(([r, n]) => r + " " + n).join(", ") : "none"));
    };
    counts("exceptionsByReason", "exceptions");
    counts("jamsByZone", "jams");
    box.appendChild(dl);
  }

  function deviceBox(m) {
    let d = $("dev-" + m.device);
    if (!d) {
      d = html("details", { id: "dev-" + m.device, "class": "device" });
      d.appendChild(html("summary"));
      d.appendChild(html("pre"));
      $("devices").appendChild(d);
    }
    d.querySelector("summary").textContent = m.device + " (" + m.kind + "): " + m.status + (m.reason ? " – " + m.reason : "");
    d.querySelector("pre").textContent = JSON.stringify(m.state, null, 1);
  }

  function onState(m) {
    deviceBox(m);
    if (m.kind === "printer") drawPrinter(m.device, m);
    if (m.kind !== "line" || !m.state) return;
    lines[m.device] = m.state;
    drawLine(m.device, m.state);
    drawLight(m.state);
    if (m.state.shift) drawShift(m.device, m.state.shift);
    $("estop").hidden = !Object.values(lines).some((s) => s.estop);
    drawButtons();
  }

  function onEvent(m) {
    const li = html("li", {}, new Date().toLocaleTimeString() + " " + m.device + " " + m.event + " " + JSON.stringify(m.fields)
      + (m.cmdId ? " (cmd " + m.cmdId + ")" : ""));
    const list = $("events");
    list.insertBefore(li, list.firstChild);
    while (list.children.length > 50) list.removeChild(list.lastChild);
    if (m.event === "estop" && m.fields.active) $("estop").hidden = false;
  }

  function loadLayout() {
    return fetch("/api/layout").then((r) => r.ok ? r.json() : {}).then((l) => {
      layouts = l;
      for (const id in lines) drawLine(id, lines[id]);
    }).catch(() => { /* drawn from the state alone */ });
  }

  function connect() {
    const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws");
    ws.onopen = () => {
      $("conn").textContent = "connected";
      $("conn").className = "up";
      loadLayout();   // again on each reconnect: the daemon may have been restarted with another layout
    };
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
