// Coverage rate by community as a bar chart; the table above holds the same numbers for screen readers.
(function () {
  var el = document.getElementById("coverage-chart");
  if (!el || !window.echarts || !el.dataset.names) { return; }
  var names = el.dataset.names.split("|");
  var rates = el.dataset.rates.split("|").map(function (r) { return Math.round(parseFloat(r) * 1000) / 10; });
  var chart = echarts.init(el);
  chart.setOption({
    grid: { left: 90, right: 20, top: 10, bottom: 30 },
    xAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
    yAxis: { type: "category", data: names, inverse: true },
    tooltip: { valueFormatter: function (v) { return v + "%"; } },
    series: [{ type: "bar", data: rates, itemStyle: { color: "#b71c1c" } }]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
