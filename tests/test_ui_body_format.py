"""The sidebar editor's body format and auth setting fields, under Streamlit AppTest with real
storage and the demo API: a form body saved from the editor is what the next call sends."""

from __future__ import annotations

import pytest

from tests.support.scripted_model import ScriptedChatModel
from tests.support.ui_fixtures import app_runtime, by_label, open_app
from tools.action import BodyFormat

pytestmark = pytest.mark.slow


def test_the_editor_saves_the_body_format_and_the_auth_setting(tmp_path, fresh_demo_log):
    with app_runtime(tmp_path, fresh_demo_log, ScriptedChatModel()) as rt:
        at = open_app(rt)
        by_label(at.sidebar.selectbox, "Edit action").set_value("open_support_ticket").run()
        assert by_label(at.sidebar.selectbox, "Sent as").value == "json"
        by_label(at.sidebar.selectbox, "Sent as").set_value("form")
        # the auth setting is picked from the stored ones: none is stored, so None is the choice
        assert by_label(at.sidebar.selectbox, "Auth setting").options == ["None"]
        next(b for b in at.sidebar.button if b.label == "Save & publish").click().run()
        assert not at.exception
        stored = rt.stores.actions.get("open_support_ticket")
        assert stored.version == 2 and stored.definition.body_format is BodyFormat.FORM
        assert stored.definition.auth is None
        assert [d for d in stored.definition.headers] == ["Authorization"]
