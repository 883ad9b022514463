"""TemplateLoader: bad files are reported precisely, the rest load; refresh sees changes."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import yaml

from directors_console.core.data_paths import templates_dir
from directors_console.core.templates import (
    TemplateError,
    TemplateInvalid,
    TemplateLoader,
    load_template_file,
)

WORKFLOW = {
    "1": {
        "class_type": "EmptyImage",
        "inputs": {"width": 64, "height": 64, "batch_size": 1, "color": 0},
    },
    "2": {"class_type": "SaveImage", "inputs": {"filename_prefix": "x", "images": ["1", 0]}},
}


def write(folder: Path, stem: str, **fields: object) -> Path:
    data: dict[str, object] = {
        "id": stem.replace("-", "_"),
        "name": stem,
        "category": "text_to_image",
        "model_family": "test",
        "workflow": WORKFLOW,
        "parameters": [
            {
                "name": "width",
                "type": "int",
                "default": 64,
                "min": 16,
                "max": 512,
                "target": {"node": 1, "input": "width"},
            }
        ],
        "outputs": [{"node": "2"}],
    }
    data.update(fields)
    path = folder / f"{stem}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def touch_later(path: Path) -> None:
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))


def errors_for(loader: TemplateLoader, path: Path) -> list[TemplateError]:
    return [e for e in loader.errors if e.file == path]


def test_a_bad_template_is_reported_and_the_others_load(tmp_path: Path) -> None:
    write(tmp_path, "good")
    bad_field = write(tmp_path, "bad-category", category="comedy")
    bad_ref = write(
        tmp_path,
        "bad-ref",
        parameters=[
            {"name": "steps", "type": "int", "target": {"node": "1", "input": "steps"}},
            {"name": "h", "type": "int", "target": {"node": "7", "input": "height"}},
        ],
    )
    bad_default = write(
        tmp_path,
        "bad-default",
        parameters=[
            {
                "name": "w",
                "type": "int",
                "default": 9000,
                "max": 512,
                "target": {"node": "1", "input": "width"},
            }
        ],
    )
    (tmp_path / "broken.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    loader = TemplateLoader(tmp_path)
    assert list(loader.templates) == ["good"]

    (err,) = errors_for(loader, bad_field)
    assert err.field == "category" and "text_to_image" in err.reason
    ref_errors = errors_for(loader, bad_ref)
    assert [e.field for e in ref_errors] == ["parameters.0.targets.0", "parameters.1.targets.0"]
    assert "has no input 'steps'" in ref_errors[0].reason
    assert "no node '7'" in ref_errors[1].reason
    (err,) = errors_for(loader, bad_default)
    assert err.field == "parameters.0" and "default" in err.reason and "maximum 512" in err.reason
    (err,) = errors_for(loader, tmp_path / "broken.yaml")
    assert "unreadable" in err.reason
    assert str(err).startswith(str(tmp_path / "broken.yaml"))


def test_missing_fields_and_wrong_types(tmp_path: Path) -> None:
    path = write(tmp_path, "t", outputs=[], workflow={"1": {"inputs": {}}})
    with pytest.raises(TemplateInvalid) as info:
        load_template_file(path)
    fields = {i.field for i in info.value.issues}
    assert "outputs" in fields


def test_references_must_be_settable(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "t",
        parameters=[{"name": "img", "type": "string", "target": {"node": "2", "input": "images"}}],
    )
    with pytest.raises(TemplateInvalid, match=r"2\.images is a link"):
        load_template_file(path)


def test_sibling_workflow_file_and_its_changes(tmp_path: Path) -> None:
    (tmp_path / "wf.api.json").write_text(json.dumps(WORKFLOW), encoding="utf-8")
    write(tmp_path, "split", workflow="wf.api.json")
    loader = TemplateLoader(tmp_path)
    first = loader.get("split")
    assert first is not None and first.workflow["1"]["class_type"] == "EmptyImage"
    assert loader.errors == []
    assert not loader.refresh()  # nothing changed
    assert loader.get("split") is first  # cached

    changed = json.loads(json.dumps(WORKFLOW))
    changed["1"]["inputs"]["width"] = 128
    wf = tmp_path / "wf.api.json"
    wf.write_text(json.dumps(changed), encoding="utf-8")
    touch_later(wf)
    assert loader.refresh().changed == ("split",)
    reloaded = loader.get("split")
    assert reloaded is not None and reloaded.workflow["1"]["inputs"]["width"] == 128


def test_workflow_file_outside_the_folder_is_refused(tmp_path: Path) -> None:
    inner = tmp_path / "templates"
    inner.mkdir()
    (tmp_path / "secret.json").write_text(json.dumps(WORKFLOW), encoding="utf-8")
    path = write(inner, "escape", workflow="../secret.json")
    loader = TemplateLoader(inner)
    (err,) = errors_for(loader, path)
    assert err.field == "workflow" and "outside" in err.reason
    missing = write(inner, "missing", workflow="nope.json")
    loader.refresh()
    (err,) = errors_for(loader, missing)
    assert "cannot read 'nope.json'" in err.reason


def test_refresh_sees_new_changed_and_removed_files(tmp_path: Path) -> None:
    a = write(tmp_path, "a")
    write(tmp_path, "b")
    loader = TemplateLoader(tmp_path)
    assert sorted(loader.templates) == ["a", "b"]
    old_b = loader.get("b")

    write(tmp_path, "c")
    write(tmp_path, "a", name="A renamed")
    touch_later(a)
    (tmp_path / "b.yaml").unlink()
    changes = loader.refresh()
    assert changes.added == ("c",)
    assert changes.changed == ("a",)
    assert changes.removed == ("b",)
    assert loader.get("a") is not None and loader.get("a").name == "A renamed"  # type: ignore[union-attr]
    assert old_b is not None and loader.get("b") is None

    # A file that becomes bad disappears from the list and shows up in the errors.
    a.write_text("id: 5\n", encoding="utf-8")
    touch_later(a)
    changes = loader.refresh()
    assert changes.removed == ("a",)
    assert errors_for(loader, a)


def test_user_folder_overrides_and_duplicates(tmp_path: Path) -> None:
    builtin, user = tmp_path / "builtin", tmp_path / "user"
    builtin.mkdir()
    user.mkdir()
    write(builtin, "shared")
    write(builtin, "only-builtin")
    write(user, "shared", name="Mine")
    dup = write(user, "z-copy", id="shared")  # sorted after shared.yaml
    loader = TemplateLoader(builtin, user)
    assert sorted(loader.templates) == ["only_builtin", "shared"]
    assert loader.templates["shared"].name == "Mine"
    (err,) = loader.errors
    assert err.file == dup and err.field == "id" and "already used" in err.reason


def test_preview_path_is_beside_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "p", preview="previews/p.webp")
    template = load_template_file(path)
    assert template.path == path
    assert template.preview_path == tmp_path / "previews" / "p.webp"
    assert load_template_file(write(tmp_path, "q")).preview_path is None


def test_json_templates_and_missing_folders(tmp_path: Path) -> None:
    data = yaml.safe_load(write(tmp_path, "x").read_text(encoding="utf-8"))
    (tmp_path / "x.yaml").unlink()
    (tmp_path / "y.template.json").write_text(json.dumps({**data, "id": "y"}), encoding="utf-8")
    (tmp_path / "plain.json").write_text("{not a template", encoding="utf-8")  # ignored
    loader = TemplateLoader(tmp_path, tmp_path / "does-not-exist")
    assert list(loader.templates) == ["y"]
    assert loader.errors == []


def test_shipped_folder_copied_into_a_user_dir_loads(tmp_path: Path) -> None:
    user = tmp_path / "user"
    shutil.copytree(templates_dir(), user)
    loader = TemplateLoader(templates_dir(), user)
    assert loader.errors == []
    assert len(loader.load_all()) >= 10
    assert all(t.path is not None and t.path.is_relative_to(user) for t in loader)
