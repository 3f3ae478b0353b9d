// The live feed from /ws: one box per device with its state, the e-stop banner, the last 50 events.
// Reconnects by itself; "disconnected" shows while it cannot.
(function () {
  "use strict";
  const devices = document.getElementById("devices");
  const events = document.getElementById("events");
  const conn = document.getElementById("conn");
  const estop = document.getElementById("estop");

  function box(id) {
    let el = document.getElementById("dev-" + id);
    if (!el) {
      el = document.createElement("div");
      el.id = "dev-" + id;
      el.className = "device";
      el.innerHTML = "<h2></h2><pre></pre>";
      devices.appendChild(el);
    }
    return el;
  }

  function onState(m) {
    const el = box(m.device);
    el.querySelector("h2").textContent = m.device + " (" + m.kind + "): " + m.status + (m.reason ? " – " + m.reason : "");
    el.querySelector("pre").textContent = JSON.stringify(m.state, null, 1);
    if (m.kind === "line" && m.state) estop.hidden = !m.state.estop;
  }

  function onEvent(m) {
    const li = document.createElement("li");
    li.textContent = new Date().toLocaleTimeString() + " " + m.device + " " + m.event + " " + JSON.stringify(m.fields);
    events.insertBefore(li, events.firstChild);
    while (events.children.length > 50) events.removeChild(events.lastChild);
    if (m.event === "estop") estop.hidden = !m.fields.active;
  }

  function connect() {
    const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws");
    ws.onopen = () => { conn.textContent = "connected"; conn.className = "up"; };
    ws.onmessage = (e) => {
      const m = JSON.parse(e.data);
      if (m.type === "state") onState(m); else if (m.type === "event") onEvent(m);
    };
    ws.onclose = () => {
      conn.textContent = "disconnected – reconnecting";
      conn.className = "down";
      setTimeout(connect, 1000);
    };
  }
  connect();
})();
