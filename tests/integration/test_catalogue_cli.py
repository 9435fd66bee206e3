"""The operator's view: `atendimento import FILE` and `atendimento demo` run as programs against the test database."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.catalogue import FIXTURES, TEST_SECRET_KEY

PROGRAM = Path(sys.executable).with_name("atendimento")


def atendimento(database_url: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "TELEGRAM_"))}
    env.update(DATABASE_URL=database_url, LOG_LEVEL="WARNING", ATENDIMENTO_SECRET_KEY=TEST_SECRET_KEY)
    return subprocess.run([str(PROGRAM), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_import_prints_a_summary_and_a_refusal_prints_every_error(database_url):
    done = atendimento(database_url, "import", "spec_example.yaml", cwd=FIXTURES)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Catálogo importado de spec_example.yaml: 2 usuários (2 novos)")

    refused = atendimento(database_url, "import", "bad_cpf.yaml", cwd=FIXTURES / "malformed")
    assert refused.returncode == 2
    assert refused.stdout == ""
    assert "bad_cpf.yaml, linha 14, customers[0].cpf: CPF/CNPJ inválido (dígitos verificadores não conferem)\n" \
        in refused.stderr
    assert refused.stderr.rstrip().endswith("nada foi gravado e o banco continua como estava.")

    missing = atendimento(database_url, "import", "nao_existe.yaml", cwd=FIXTURES)
    assert missing.returncode == 2 and "nao_existe.yaml: arquivo não encontrado" in missing.stderr


def test_demo_loads_twice_and_then_refuses_a_real_catalogue(database_url, tmp_path):
    first = atendimento(database_url, "demo", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "Catálogo de demonstração carregado" in first.stdout and "30 atendimentos novos" in first.stdout

    second = atendimento(database_url, "demo", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert "30 já existentes" in second.stdout

    real = atendimento(database_url, "import", str(FIXTURES / "spec_example.yaml"), cwd=tmp_path)
    assert real.returncode == 0, real.stderr
    assert real.stdout.startswith("Demonstração removida antes da importação: 4 usuários, ")
    assert "30 atendimentos" in real.stdout

    refused = atendimento(database_url, "demo", cwd=tmp_path)
    assert refused.returncode == 1
    assert "já tem um catálogo real" in refused.stderr
