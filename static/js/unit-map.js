// Draw the units' boundaries on an offline map (no tile server): each shape links to its unit.
(function () {
  "use strict";
  function drawMap() {
    var element = document.getElementById("unit-map");
    if (!element || typeof L === "undefined") { return; }
    var map = L.map(element, { attributionControl: false, zoomSnap: 0.25 });
    var detailUrl = element.dataset.detailUrl;
    var colourBy = element.dataset.colourBy;
    var palette = { excellent: "#1b7f3b", good: "#4f9d2d", fair: "#d9a400", average: "#e0702b", weak: "#b3261e", none: "#cbd5e1" };
    fetch(element.dataset.geojsonUrl, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (collection) {
        collection.features = collection.features.filter(function (feature) { return feature.geometry; });
        var layer = L.geoJSON(collection, {
          style: function (feature) {
            if (colourBy === "bucket") {
              return { color: "#374151", weight: 1, fillColor: palette[feature.properties.bucket] || palette.none, fillOpacity: 0.75 };
            }
            var isCommune = feature.properties.kind === "commune";
            return { color: "#1d4e89", weight: 1, fillColor: isCommune ? "#9cc3e6" : "#5b8fd1", fillOpacity: 0.45 };
          },
          onEachFeature: function (feature, shape) {
            var label = feature.properties.name + (feature.properties.percent ? " — " + feature.properties.percent.replace(".", ",") + "%" : "");
            shape.bindTooltip(label, { sticky: true });
            shape.on("click", function () {
              window.location.href = feature.properties.url || detailUrl.replace("/0/", "/" + feature.properties.id + "/");
            });
          }
        }).addTo(map);
        if (layer.getLayers().length) { map.fitBounds(layer.getBounds(), { padding: [10, 10] }); }
        else { map.setView([18.34, 105.9], 12); }
        element.dataset.ready = "true";
      });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", drawMap); } else { drawMap(); }
})();
