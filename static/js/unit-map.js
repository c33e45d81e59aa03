// Draw the units' boundaries on an offline map (no tile server unless one is configured):
// each shape links to its unit. On the dashboards the shapes are coloured by the measure
// chosen in [data-map-measure]; the colours and texts come with the data, and the legend of
// the chosen measure is shown.
(function () {
  "use strict";
  var NAMED_UNITS = 40;
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
    // The unit's name, and what its colour says.
    function detail(feature) {
      if (colourBy === "measure") { return measureOf(feature).text; }
      return feature.properties.percent ? feature.properties.percent.replace(".", ",") + "%" : "";
    }
    // On a small screen the names go without "Phường", "Xã" and the figure (it is in the
    // legend's colour): "Văn Yên".
    var compact = false;
    function shortName(name) {
      return name.replace(/^(Phường|Xã|Thị trấn|Ward|Commune)\s+/, "");
    }
    // Names are data, not markup: text nodes, the name on its line and the figure below.
    function label(feature) {
      var text = document.createElement("span");
      var name = document.createElement("strong");
      name.textContent = compact ? shortName(feature.properties.name) : feature.properties.name;
      text.appendChild(name);
      if (detail(feature) && !compact) {
        text.appendChild(document.createElement("br"));
        text.appendChild(document.createTextNode(detail(feature)));
      }
      return text;
    }
    fetch(element.dataset.geojsonUrl, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (collection) {
        collection.features = collection.features.filter(function (feature) { return feature.geometry; });
        // A few units (a city's wards) carry their names on the map, as a printed map does:
        // on a phone nothing hovers. More (a province's) would cover each other; they show on
        // hovering, as before.
        var named = collection.features.length <= NAMED_UNITS;
        compact = named && element.clientWidth / Math.ceil(Math.sqrt(collection.features.length || 1)) < 130;
        var layer = L.geoJSON(collection, {
          style: style,
          onEachFeature: function (feature, shape) {
            shape.bindTooltip(function () { return label(feature); }, named ? { permanent: true, direction: "center", className: compact ? "unit-map-label compact" : "unit-map-label" } : { sticky: true });
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
            if (named) {  // the labels say the chosen measure
              layer.eachLayer(function (shape) { shape.setTooltipContent(label(shape.feature)); });
            }
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
