// Draw the units' boundaries on an offline map (no tile server unless one is configured):
// each shape links to its unit. On the dashboards the shapes are coloured by the measure
// chosen in [data-map-measure]; the colours and texts come with the data, and the legend of
// the chosen measure is shown.
(function () {
  "use strict";
  function drawMap() {
    var element = document.getElementById("unit-map");
    if (!element || typeof L === "undefined") { return; }
    var map = L.map(element, { attributionControl: false, zoomSnap: 0.25, zoomControl: false });
    // The zoom buttons' titles in the page's language (Leaflet's own are English).
    L.control
      .zoom({
        zoomInTitle: element.getAttribute("data-zoom-in") || "Zoom in",
        zoomOutTitle: element.getAttribute("data-zoom-out") || "Zoom out",
      })
      .addTo(map);
    if (element.dataset.tileUrl) { L.tileLayer(element.dataset.tileUrl, { maxZoom: 18 }).addTo(map); }
    var detailUrl = element.dataset.detailUrl;
    var colourBy = element.dataset.colourBy;
    var chooser = document.querySelector("[data-map-measure]");
    var palette = { excellent: "#1b7f3b", good: "#4f9d2d", fair: "#d9a400", average: "#e0702b", weak: "#b3261e", none: "#cbd5e1" };
    function measureOf(feature) {
      var measures = feature.properties.measures || {};
      return measures[element.dataset.measure] || { colour: palette.none, text: "—" };
    }
    function style(feature) {
      if (colourBy === "measure") {
        return { color: "#374151", weight: 1, fillColor: measureOf(feature).colour, fillOpacity: 0.75 };
      }
      if (colourBy === "bucket") {
        return { color: "#374151", weight: 1, fillColor: palette[feature.properties.bucket] || palette.none, fillOpacity: 0.75 };
      }
      var isCommune = feature.properties.kind === "commune";
      return { color: "#1d4e89", weight: 1, fillColor: isCommune ? "#9cc3e6" : "#5b8fd1", fillOpacity: 0.45 };
    }
    function label(feature) {
      if (colourBy === "measure") { return feature.properties.name + " — " + measureOf(feature).text; }
      return feature.properties.name + (feature.properties.percent ? " — " + feature.properties.percent.replace(".", ",") + "%" : "");
    }
    fetch(element.dataset.geojsonUrl, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (collection) {
        collection.features = collection.features.filter(function (feature) { return feature.geometry; });
        var layer = L.geoJSON(collection, {
          style: style,
          onEachFeature: function (feature, shape) {
            // Names are data, not markup: the tooltip gets a text node.
            shape.bindTooltip(function () {
              var text = document.createElement("span");
              text.textContent = label(feature);
              return text;
            }, { sticky: true });
            var url = feature.properties.url !== undefined ? feature.properties.url : detailUrl.replace("/0/", "/" + feature.properties.id + "/");
            if (url) {
              shape.on("click", function () { window.location.href = url; });
            }
          }
        }).addTo(map);
        if (layer.getLayers().length) { map.fitBounds(layer.getBounds(), { padding: [10, 10] }); }
        else { map.setView([18.34, 105.9], 12); }
        if (chooser) {
          chooser.addEventListener("change", function () {
            element.dataset.measure = chooser.value;
            layer.setStyle(style);
            document.querySelectorAll("[data-legend]").forEach(function (legend) {
              legend.classList.toggle("d-none", legend.getAttribute("data-legend") !== chooser.value);
            });
          });
        }
        element.dataset.ready = "true";
      });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", drawMap); } else { drawMap(); }
})();
