"""The dossier import in three steps: reading (file formats, the header), parsing (a row as
checked values or its errors) and writing (the batch upsert, the rejected rows, the months to
count again). cchc.indicators.importers runs them."""
