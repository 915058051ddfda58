// Demands by month as a bar chart; the table under it holds the same numbers for screen readers.
(function () {
  var el = document.getElementById("demand-month-chart");
  if (!el || !window.echarts || !el.dataset.labels) { return; }
  var numbers = function (text) { return text.split("|").map(function (n) { return parseInt(n, 10) || 0; }); };
  var chart = echarts.init(el);
  chart.setOption({
    grid: { left: 40, right: 20, top: 30, bottom: 30 },
    // ECharts 6 puts a legend at the bottom by default, over the month labels: keep it above the bars.
    legend: { top: 0, data: [el.dataset.labelTotal, el.dataset.labelResolved] },
    tooltip: { trigger: "axis" },
    xAxis: { type: "category", data: el.dataset.labels.split("|") },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: el.dataset.labelTotal, type: "bar", data: numbers(el.dataset.totals), itemStyle: { color: "#b71c1c" } },
      { name: el.dataset.labelResolved, type: "bar", data: numbers(el.dataset.resolved), itemStyle: { color: "#2e7d32" } }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
