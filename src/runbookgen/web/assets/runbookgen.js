/* runbookgen: click a column heading of a .rbg-sortable table to sort by it.
   Cells may carry data-sort (ISO dates, zero-padded numbers) so text order is correct.
   On run pages, a tick's time links to its row in the commit list; hovering it shows
   that row (commit, author and email, message) as a tooltip. */
(function () {
  "use strict";
  function key(row, index) {
    var cell = row.cells[index];
    if (!cell) return "";
    return cell.getAttribute("data-sort") || cell.textContent.trim().toLowerCase();
  }
  function setup(table) {
    var heads = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(heads, function (th, index) {
      th.setAttribute("tabindex", "0");
      function sort() {
        var asc = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = key(a, index), y = key(b, index);
          return (x < y ? -1 : x > y ? 1 : 0) * (asc ? 1 : -1);
        });
        rows.forEach(function (r) { body.appendChild(r); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter") sort(); });
    });
  }
  function commitTitles() {
    var rows = {};
    Array.prototype.forEach.call(document.querySelectorAll("table.rbg-commits tbody tr"), function (tr) {
      var cells = Array.prototype.map.call(tr.cells, function (td) { return td.textContent.trim(); });
      rows["#" + tr.id] = "commit " + cells.filter(Boolean).join(" · ");
    });
    Array.prototype.forEach.call(document.querySelectorAll("a.rbg-commit"), function (a) {
      var text = rows[a.getAttribute("href")];
      if (text) a.title = text;  /* a property, not markup: the text stays text */
    });
  }
  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("table.rbg-sortable"), setup);
    commitTitles();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
