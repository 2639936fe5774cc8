"""The values a repository's install scripts give its charts (k8slint.sources.installscripts)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import run_lint
from k8slint.sources.installscripts import _helm_commands, _parse

CHART_YAML = "apiVersion: v2\nname: {name}\nversion: 0.1.0\nappVersion: '1.0'\ndescription: d\n"
# dotnet-architecture/eShopOnContainers (commit b6965936842c; MIT) deploy/k8s/helm, cut: the charts read the shared
# inf.* values that deploy-all.sh passes to each chart it loops over.
CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-cfg
data:
  redis: {{ .Values.inf.redis.basket.constr | quote }}
  dns: {{ .Values.inf.k8s.dns | quote }}
"""
DEPLOY_ALL = """\
#!/usr/bin/env bash
charts=(basket-api catalog-api)
for chart in "${charts[@]}"
do
    echo "Installing: $chart"
    helm install "$app_name-$chart" --namespace $namespace --set "ingress.hosts={$dns}" \\
      --values app.yaml --values inf.yaml --values $ingress_values_file \\
      --set app.name=$app_name --set inf.k8s.dns=$dns $chart
done
"""
INF = "inf:\n  redis:\n    basket:\n      constr: basket-data\n"


def _repository(tmp_path: Path, script: str | None, script_name: str = "deploy-all.sh") -> Path:
    helm = tmp_path / "deploy" / "helm"
    for name in ("basket-api", "webstatus"):
        (helm / name / "templates").mkdir(parents=True)
        (helm / name / "Chart.yaml").write_text(CHART_YAML.format(name=name))
        (helm / name / "values.yaml").write_text("replicaCount: 1\n")
        (helm / name / "templates" / "configmap.yaml").write_text(CONFIGMAP)
    (helm / "inf.yaml").write_text(INF)
    (helm / "app.yaml").write_text("app:\n  name: eshop\n")
    if script is not None:
        (helm / script_name).write_text(script)
    return helm


def _failing(folder: Path) -> set[str]:
    return {Path(f.location.file).parts[-3] for f in run_lint(folder).findings if f.code == "CH007" and f.severity.name == "ERROR"}


def test_the_values_an_install_script_gives_its_charts_define_their_reads(tmp_path: Path) -> None:
    assert _failing(_repository(tmp_path / "bare", None)) == {"basket-api", "webstatus"}
    helm = _repository(tmp_path / "scripted", DEPLOY_ALL)
    assert _failing(helm) == {"webstatus"}  # the script loops over basket-api, never webstatus
    messages = [f.message for f in run_lint(helm).findings if f.code == "CH007" and "webstatus" in f.location.file]
    assert messages and "nor in the values given" not in messages[0]
    # the chart alone: the script and inf.yaml are outside the linted paths, and are not read
    assert _failing(helm / "basket-api") == {"basket-api"}


def test_a_powershell_install_of_a_chart_by_its_path(tmp_path: Path) -> None:
    script = (
        "foreach ($x in $list) {\n  helm upgrade --install eshop-basket ./basket-api `\n    -f inf.yaml `\n    --set inf.k8s.dns=$dns\n}\n"
    )
    helm = _repository(tmp_path, script, "deploy-all.ps1")
    assert _failing(helm) == {"webstatus"}


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("helm install web ./chart -f a.yaml --values=b.yaml -fc.yaml", ("./chart", ["a.yaml", "b.yaml", "c.yaml"], [])),
        ("helm upgrade --install --wait web ./chart --set a.b=1,c=2 -n apps", ("./chart", [], [("--set", "a.b=1,c=2")])),
        ("helm template --generate-name oci://registry/chart --version 1.2.3", ("oci://registry/chart", [], [])),
        ("helm install web ./chart -f a.yaml && helm test web", ("./chart", ["a.yaml"], [])),
        ("helm install web ./chart # -f ignored.yaml", ("./chart", [], [])),
    ],
)
def test_a_helm_command_is_read_as_helm_reads_its_flags(line: str, expected: tuple[str, list[str], list[tuple[str, str]]]) -> None:
    (words,) = _helm_commands(line + "\n")
    assert _parse(words) == expected


def test_no_command_in_a_comment_or_another_program() -> None:
    assert _helm_commands("# helm install web ./chart -f a.yaml\nmyhelm install x ./y\necho helmfile\n") == []


def test_a_hostile_script_is_read_in_linear_time() -> None:
    import time

    started = time.perf_counter()
    assert _helm_commands("helm " * 100_000 + "\n" + ("helm x " * 1000 + "\n") * 50) == []
    assert time.perf_counter() - started < 2.0


def test_values_files_of_one_name_in_two_folders_are_two_files(tmp_path: Path) -> None:
    """A script in the chart's folder and one in the folder above may each name an `app.yaml` of their own folder:
    both are read (a file named by both scripts, through two spellings, is read once)."""
    helm = _repository(tmp_path, "helm install web ./basket-api -f app.yaml -f ./app.yaml\n", "deploy-all.sh")
    (helm / "basket-api" / "app.yaml").write_text("inf:\n  k8s:\n    dns: example.com\n")
    (helm / "basket-api" / "install.sh").write_text("helm install web . -f app.yaml -f ../inf.yaml\n")
    from k8slint.sources.installscripts import InstallScripts
    from k8slint.sources.safefs import Roots

    given = InstallScripts(Roots((str(tmp_path),))).values_for(helm / "basket-api", str(helm / "basket-api"))
    shown = [Path(name.split(" (")[0]).relative_to(helm).as_posix() for name, _ in given]
    assert shown == ["app.yaml", "basket-api/app.yaml", "inf.yaml"]
    assert _failing(helm) == {"webstatus"}  # basket-api's two reads are defined: inf.redis above, inf.k8s.dns beside it


def test_each_install_is_one_render_and_what_the_script_works_out_is_named(tmp_path: Path) -> None:
    helm = _repository(tmp_path, DEPLOY_ALL)
    (helm / "release.sh").write_text(
        "helm upgrade --install b ./basket-api -f app.yaml -f inf.yaml --set replicaCount=2\n"
        "helm upgrade --install b ./basket-api --values=app.yaml --values=inf.yaml --set replicaCount=2  # the same\n"
        "helm upgrade --install b ./basket-api -f missing.yaml --set-string tag=1\n"
    )
    from k8slint.sources.installscripts import InstallScripts
    from k8slint.sources.safefs import Roots

    installs = InstallScripts(Roots((str(tmp_path),))).installs_for(helm / "basket-api", "deploy/helm/basket-api")
    shown = [(i.script, [s for _, s in i.values], list(i.sets), list(i.left_out), i.exact) for i in installs]
    assert shown == [
        (
            "deploy/helm/deploy-all.sh",
            ["deploy/helm/app.yaml", "deploy/helm/inf.yaml"],
            [],
            ["--values $ingress_values_file", "--set ingress.hosts={$dns}", "--set app.name=$app_name", "--set inf.k8s.dns=$dns"],
            False,
        ),
        ("deploy/helm/release.sh", ["deploy/helm/app.yaml", "deploy/helm/inf.yaml"], ["replicaCount=2"], [], True),
        ("deploy/helm/release.sh", [], [], ["--values missing.yaml", "--set-string tag=1"], False),
    ]
