(function () {
  "use strict";
  // Tooltips: each mark's <title> becomes a data-tip shown in #tip on hover or focus.
  var tip = document.getElementById("tip");
  function show(el, x, y) {
    var lines = el.getAttribute("data-tip").split("\n");
    tip.textContent = "";
    var head = document.createElement("b");
    head.textContent = lines[0];
    tip.appendChild(head);
    tip.appendChild(document.createTextNode("\n" + lines.slice(1).join("\n")));
    tip.hidden = false;
    var w = tip.offsetWidth, h = tip.offsetHeight;
    var left = Math.min(x + 14, window.innerWidth - w - 8);
    var top = y + 16 + h > window.innerHeight ? y - h - 12 : y + 16;
    tip.style.left = Math.max(4, left) + "px";
    tip.style.top = Math.max(4, top) + "px";
  }
  function hide() { tip.hidden = true; }
  document.querySelectorAll("svg.timeline .mark").forEach(function (el) {
    var title = el.querySelector("title");
    if (!title) return;
    el.setAttribute("data-tip", title.textContent);
    el.setAttribute("aria-label", title.textContent);
    title.remove();
    el.addEventListener("mousemove", function (e) { show(el, e.clientX, e.clientY); });
    el.addEventListener("mouseleave", hide);
    el.addEventListener("focus", function () {
      var r = el.getBoundingClientRect();
      show(el, r.right, r.bottom);
    });
    el.addEventListener("blur", hide);
  });
  // Sortable tables: click (or Enter on) a header to sort by it; again to reverse.
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var heads = table.querySelectorAll("th");
    heads.forEach(function (th, col) {
      function sort() {
        var asc = th.getAttribute("aria-sort") !== "ascending";
        var num = th.getAttribute("data-type") === "num";
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[col].textContent, y = b.cells[col].textContent;
          var c = num ? Number(x) - Number(y) : x.localeCompare(y);
          return asc ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
        heads.forEach(function (h) { h.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter") sort(); });
    });
  });
})();
