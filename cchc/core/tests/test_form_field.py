from django import forms

from cchc.core.templatetags.cchc import form_field


class ChoicesForm(forms.Form):
    units = forms.MultipleChoiceField(
        choices=[("a", "Phường A"), ("b", "Xã B")], widget=forms.CheckboxSelectMultiple
    )
    name = forms.CharField()


def test_a_checkbox_list_gets_no_input_class_on_its_wrapper():
    # Django puts widget attributes on the list's wrapper too; a 1em-wide wrapper once
    # squeezed every unit name onto one word per line.
    context = form_field(ChoicesForm()["units"])
    assert context["is_checkbox_list"] is True
    assert "form-check-input" not in context["widget_html"]
    assert 'class="form-control"' in form_field(ChoicesForm()["name"])["widget_html"]
