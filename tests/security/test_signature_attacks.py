"""Attacks on digital signatures' configuration: a trust root is what makes a signature
'trusted' on every page, so only a certification authority's certificate may be one."""

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from cchc.core.models import TrustRoot
from cchc.core.testing import BaseTestCase
from cchc.core.tests.pki import PASSWORD, authority
from cchc.documents import signatures

pytestmark = pytest.mark.security


class TrustRootTests(BaseTestCase):
    def test_a_signers_own_certificate_is_refused_as_a_trust_root(self):
        """A holder's certificate (basic constraints CA=false) loaded as a root made every
        signature of that one key 'trusted' without any authority vouching for it."""
        ca = authority()
        _key, leaf, _chain = pkcs12.load_key_and_certificates(
            ca.issue("Nguyễn Văn A"), PASSWORD.encode()
        )
        assert leaf is not None
        pem = leaf.public_bytes(serialization.Encoding.PEM)
        with pytest.raises(ValidationError) as refused:
            signatures.trust_root_add(
                actor=self.admin, name="Lá", upload=SimpleUploadedFile("la.pem", pem)
            )
        assert "CA" in " ".join(refused.value.messages)
        assert not TrustRoot.objects.exists()
        signatures.trust_root_add(
            actor=self.admin, name="Gốc", upload=SimpleUploadedFile("goc.pem", ca.pem)
        )
        assert TrustRoot.objects.get().name == "Gốc"
