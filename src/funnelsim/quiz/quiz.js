// The browser side of a funnelsim quiz on a page without a kernel.
// It mirrors the grading rules of funnelsim/quiz/bank.py (see its module
// docstring): keep the two in step. __UI__ is replaced by the phrases.
(function () {
  var UI = __UI__;
  var me = document.currentScript;
  var root = me ? me.parentElement : null;
  if (!root || !root.classList.contains("fsq")) {
    return;
  }

  // Undo encode_key: base64, XOR with the xorshift32 keystream of data-k.
  function key(li) {
    var x = (+li.dataset.k) >>> 0 || 0x9e3779b9;
    var b = atob(li.dataset.b);
    var u = new Uint8Array(b.length);
    for (var i = 0; i < b.length; i++) {
      x ^= x << 13; x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5; x >>>= 0;
      u[i] = b.charCodeAt(i) ^ (x & 255);
    }
    return JSON.parse(new TextDecoder("utf-8").decode(u));
  }

  function fmt(s, o) {
    return s.replace(/\{(\w+)\}/g, function (m, k) { return k in o ? o[k] : m; });
  }

  // Like parse_number: spaces and a trailing % ignored, a decimal comma accepted.
  function num(s) {
    s = String(s).trim().replace(/%$/, "").replace(/[\s\u00a0]/g, "").replace(",", ".");
    if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) return NaN;
    return parseFloat(s);
  }

  var best = {};
  var qs = root.querySelectorAll("li.fsq-q");

  function score() {
    var t = 0;
    for (var k in best) t += best[k];
    root.querySelector(".fsq-score").textContent =
      UI.score + ": " + Math.round(t * 100) / 100 + " / " + qs.length;
  }

  function grade(li, K) {
    var kind = li.dataset.kind, parts = [], s = 0, bad = [];
    var sel = [].map.call(li.querySelectorAll(".fsq-parts select"), function (e) { return e.value; });
    if (sel.some(function (v) { return v === ""; })) return { err: UI.answer_all };
    if (kind === "single") {
      var r = li.querySelector("input:checked");
      if (!r) return { err: UI.answer_all };
      var i = +r.value;
      s = K.correct[i] ? 1 : 0;
      if (K.why[i]) parts.push(K.why[i]);
    } else if (kind === "multiple") {
      var ticked = [].map.call(li.querySelectorAll("input"), function (e) { return e.checked; });
      var right = 0, g = 0;
      K.correct.forEach(function (c, i) {
        if (c) right++;
        if (ticked[i]) g += c ? 1 : -1;
        if (ticked[i] !== c) bad.push(i);
      });
      s = Math.max(0, g / right);
      if (bad.length) parts.push(fmt(UI.n_wrong, { n: bad.length }));
      bad.forEach(function (i) { if (K.why[i]) parts.push(K.why[i]); });
    } else if (kind === "numeric") {
      var x = num(li.querySelector("input").value);
      if (isNaN(x)) return { err: UI.number };
      if (Math.abs(x - K.answer) <= K.tolerance * (1 + 1e-12)) s = 1;
      else parts.push(x > K.answer ? UI.too_high : UI.too_low);
    } else if (kind === "ordering") {
      var n = sel.length, seen = {}, c = 0, w = 0;
      for (var a = 0; a < n; a++) {
        if (seen[sel[a]]) return { err: UI.each_once };
        seen[sel[a]] = 1;
      }
      var rk = sel.map(function (v) { return K.ranks[+v]; });
      for (a = 0; a < n; a++) {
        if (rk[a] !== a) w++;
        for (var b = a + 1; b < n; b++) if (rk[a] < rk[b]) c++;
      }
      s = c / (n * (n - 1) / 2);
      if (w) parts.push(fmt(UI.n_misplaced, { n: w }));
    } else if (kind === "matching") {
      sel.forEach(function (v, i) { if (+v !== K.match[i]) bad.push(K.left[i]); });
      s = (sel.length - bad.length) / sel.length;
      if (bad.length) parts.push(fmt(UI.unmatched, { items: bad.join("; ") }));
    } else if (kind === "classification") {
      sel.forEach(function (v, i) { if (v !== K.category[i]) bad.push(i); });
      s = (sel.length - bad.length) / sel.length;
      if (bad.length) parts.push(fmt(UI.n_wrong, { n: bad.length }));
      bad.forEach(function (i) { if (K.why[i]) parts.push(K.why[i]); });
    }
    var ok = Math.abs(s - 1) < 1e-9;
    if (ok && K.explanation) parts.push(K.explanation);
    if (!ok && K.hint) parts.push(K.hint);
    var verdict = ok ? UI.right : s > 0 ? UI.partly : UI.wrong;
    return { s: s, ok: ok, text: [verdict].concat(parts).join(" ") };
  }

  [].forEach.call(qs, function (li, idx) {
    var button = li.querySelector(".fsq-check");
    var fb = li.querySelector(".fsq-fb");
    button.hidden = false;
    button.addEventListener("click", function () {
      var g;
      try { g = grade(li, key(li)); } catch (e) { g = { err: String(e) }; }
      if (g.err) {
        fb.className = "fsq-fb fsq-part";
        fb.textContent = g.err;
        return;
      }
      fb.className = "fsq-fb " + (g.ok ? "fsq-ok" : g.s > 0 ? "fsq-part" : "fsq-no");
      fb.textContent = g.text;
      best[idx] = Math.max(best[idx] || 0, g.s);
      score();
    });
  });
  var note = root.querySelector(".fsq-note");
  if (note) note.textContent = UI.script_note;
  score();
})();
