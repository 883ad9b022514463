"""The vocabulary files: counts, schema, cross references and a few facts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from directors_console.core.cinema.vocabulary import VocabularyError, load_vocabulary
from tests.core.cinema.conftest import CINEMA_DIR

MINIMUM = {
    "camera": 50,
    "lens": 45,
    "film_stock": 25,
    "aspect_ratio": 10,
    "equipment": 10,
    "movement": 15,
    "timing": 5,
    "time_of_day": 8,
    "lighting_source": 10,
    "lighting_style": 10,
    "shot_size": 8,
    "composition": 10,
    "mood": 80,
    "colour_tone": 10,
    "medium": 8,
    "style_domain": 8,
    "line_treatment": 5,
    "colour_application": 5,
    "lighting_model": 5,
    "surface_detail": 5,
    "motion_style": 8,
}


@pytest.mark.parametrize(("field", "minimum"), sorted(MINIMUM.items()))
def test_counts(lib, field: str, minimum: int) -> None:
    assert len(lib.vocabulary.entries(field)) >= minimum


def test_every_entry_has_a_label(lib) -> None:
    for field in lib.vocabulary.fields():
        for entry in lib.vocabulary.entries(field):
            assert entry.label.strip(), (field, entry.id)
            assert entry.phrase


def test_camera_facts(lib) -> None:
    v = lib.vocabulary
    alexa65 = v.get("camera", "arri-alexa-65")
    assert alexa65.capture == "digital"
    assert alexa65.sensor_class == "65mm"
    assert alexa65.mounts == ("XPL",)
    assert v.get("camera", "panavision-dxl2").mounts == ("PV",)
    imax = v.get("camera", "imax-msm-9802")
    assert imax.capture == "film" and imax.gauge == "65mm" and imax.imax
    assert "15/70" in imax.sensor.name
    for camera in v.entries("camera"):
        assert camera.sensor.width_mm > camera.sensor.height_mm * 0.9, camera.id


def test_panavision_lenses_are_closed(lib) -> None:
    for lens in lib.vocabulary.entries("lens"):
        if lens.manufacturer == "Panavision":
            assert lens.ecosystem == "panavision", lens.id
            assert set(lens.mounts) <= {"PV", "PV65"}, lens.id


def test_film_stocks_have_gauges_and_iso(lib) -> None:
    for stock in lib.vocabulary.entries("film_stock"):
        assert stock.gauges and stock.iso > 0
    assert lib.vocabulary.get("film_stock", "eastman-double-x-5222").colour == "bw"


def _copy_vocab(tmp_path: Path) -> Path:
    folder = tmp_path / "vocabulary"
    shutil.copytree(CINEMA_DIR / "vocabulary", folder)
    return folder


def test_unknown_key_is_refused(tmp_path: Path) -> None:
    folder = _copy_vocab(tmp_path)
    path = folder / "movement.yaml"
    path.write_text(
        path.read_text().replace("label: tripod with fluid head", "label: x, colour: red")
    )
    with pytest.raises(VocabularyError, match="colour"):
        load_vocabulary(folder)


def test_unknown_reference_is_refused(tmp_path: Path) -> None:
    folder = _copy_vocab(tmp_path)
    path = folder / "movement.yaml"
    path.write_text(path.read_text().replace("equipment: [fpv-drone]}", "equipment: [jetpack]}"))
    with pytest.raises(VocabularyError, match="jetpack"):
        load_vocabulary(folder)


def test_duplicate_ids_are_refused(tmp_path: Path) -> None:
    folder = _copy_vocab(tmp_path)
    path = folder / "movement.yaml"
    path.write_text(path.read_text().replace("id: slider,", "id: tripod,"))
    with pytest.raises(VocabularyError, match="duplicate"):
        load_vocabulary(folder)


def test_broken_yaml_names_the_file(tmp_path: Path) -> None:
    folder = _copy_vocab(tmp_path)
    (folder / "light.yaml").write_text("time_of_day: [{{{")
    with pytest.raises(VocabularyError, match=r"light\.yaml"):
        load_vocabulary(folder)


def test_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(VocabularyError, match="no vocabulary"):
        load_vocabulary(tmp_path)
