// A company's revenue (bars, 10,000 yuan) and dividend per share (line, yuan) by year, from the data-*
// attributes of #collective-chart; the table under it holds the same figures for screen readers.
// Also: the print button of the printable 四议两公开 chain ([data-print]), so no page needs inline script.
(function () {
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  var el = document.getElementById("collective-chart");
  if (!el || !window.echarts || !el.dataset.years) { return; }
  var numbers = function (text) { return text.split("|").map(function (v) { return parseFloat(v); }); };
  var years = el.dataset.years.split("|");
  var revenue = numbers(el.dataset.revenue).map(function (v) { return Math.round(v / 100) / 100; });
  var dividend = numbers(el.dataset.dividend);
  var chart = echarts.init(el);
  chart.setOption({
    grid: { left: 70, right: 70, top: 40, bottom: 60 },
    legend: { bottom: 0, data: [el.dataset.labelRevenue, el.dataset.labelDividend] },
    tooltip: { trigger: "axis" },
    xAxis: { type: "category", data: years },
    yAxis: [
      { type: "value", name: el.dataset.labelRevenue, nameTextStyle: { align: "left" } },
      { type: "value", name: el.dataset.labelDividend, nameTextStyle: { align: "right" }, splitLine: { show: false } }
    ],
    series: [
      { name: el.dataset.labelRevenue, type: "bar", data: revenue, itemStyle: { color: "#b71c1c" } },
      { name: el.dataset.labelDividend, type: "line", yAxisIndex: 1, data: dividend, smooth: false,
        itemStyle: { color: "#f9a825" }, lineStyle: { width: 3 } }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
