"""The labelled tickets the dispatch classifier is trained and measured on (``data/train.json``,
``data/test.json``), written by ``python -m tongban.hotline.dataset`` from the category tree.

Synthetic, and written so that the held-out set is not the training set reworded by the same
hand: the test set uses its own templates (rambling calls, fragments, questions), problem
phrasings the training set never shows (each leaf's ``test_phrases``), heavier Shanghainese
(侬, 阿拉, 啥辰光, 伐, 交关), pinyin-input typos and off-topic filler. The department label of
each ticket is what the responsibility list gives for its category and street."""

from __future__ import annotations

import json
import random
from pathlib import Path

DATA = Path(__file__).with_name("data")

# (district code, district name, street code, street name, a road in it)
PLACES = [
    ("310115", "浦东新区", "310115004", "潍坊新村街道", "张杨路"),
    ("310115", "浦东新区", "310115005", "陆家嘴街道", "浦东南路"),
    ("310115", "浦东新区", "310115125", "川沙新镇", "川沙路"),
    ("310101", "黄浦区", "310101002", "南京东路街道", "福建中路"),
    ("310101", "黄浦区", "310101013", "外滩街道", "四川中路"),
    ("310104", "徐汇区", "310104003", "天平路街道", "天平路"),
    ("310104", "徐汇区", "310104012", "漕河泾街道", "漕宝路"),
]

TRAIN_TEMPLATES = [
    "{place}{phrase}，请处理。",
    "我住在{place}，{phrase}，希望有关部门管一管。",
    "反映：{place}{phrase}。",
    "{phrase}，地址在{place}。",
    "你好，{place}这边{phrase}，麻烦尽快解决。",
    "{place}{phrase}，已经好几天了。",
    "市民来电反映{place}{phrase}，要求相关部门核实处理。",
    "{phrase}，我要投诉。位置：{place}",
    "{place}附近{phrase}，影响很大。",
    "{phrase}。{place}。",
]
TEST_TEMPLATES = [
    "喂喂，我跟侬讲，{filler}我屋里在{place}，{phrase}，{urge}",
    "那个……{place}啊，就是{phrase}嘛，{filler}{urge}",
    "{urge}！{phrase}！{place}！",
    "我打了好几次电话了，{filler}还是{phrase}，{place}，{urge}",
    "请问一下，{place}{phrase}这种情况找谁？",
    "{filler}{filler2}反正就是{phrase}，在{place}旁边，{urge}",
    "阿拉{place}的，{phrase}，{filler}侬记一记，{urge}",
]
FILLERS = [
    "今天天气老热的，",
    "我年纪大了讲不清爽，",
    "我儿子在外地上班屋里就我一个人，",
    "早上出门的辰光看到的，",
    "上个礼拜也碰到过一趟，",
    "我也不晓得要找哪个部门，",
    "邻居们都在讲这个事体，",
    "我身体不大好血压也高，",
    "刚刚打了一圈电话都讲不归他们管，",
    "说来话长，前两年就有这个情况了，后来好了一阵子，现在又来了，",
    "我不是要为难你们小姑娘，你们也辛苦的，",
    "我讲话有点啰嗦侬多担待，",
]
# Generic predicates the training set joins to each leaf's terms (its domain words and
# synonyms), so the model knows a leaf's vocabulary beyond a few whole sentences.
PREDICATES = [
    "的问题一直没人管",
    "有问题",
    "情况很严重",
    "的事情想反映一下",
    "，麻烦处理",
    "，希望解决",
    "，影响生活",
    "出了状况",
]
URGES = [
    "侬帮帮忙好伐",
    "啥辰光能解决啊",
    "烦都烦死了",
    "再不管我要找电视台了",
    "谢谢侬了",
    "阿拉老百姓真的没办法了",
    "交关急的",
    "快点派人来看看",
]
DIALECT = [
    ("我们", "阿拉"),
    ("我", "阿拉"),
    ("你", "侬"),
    ("什么时候", "啥辰光"),
    ("什么", "啥"),
    ("很", "交关"),
    ("这个", "搿个"),
    ("家里", "屋里"),
    ("孩子", "小囡"),
    ("吗", "伐"),
    ("不要", "覅"),
    ("东西", "物事"),
]
TYPOS = [
    ("噪音", "燥音"),
    ("物业", "务业"),
    ("垃圾", "拉圾"),
    ("漏水", "露水"),
    ("工资", "工姿"),
    ("电梯", "电题"),
    ("地铁", "地贴"),
    ("公交", "公郊"),
    ("小区", "小去"),
    ("停车", "亭车"),
    ("房东", "房冬"),
    ("社保", "设保"),
    ("医保", "医宝"),
    ("煤气", "煤汽"),
    ("广告", "广搞"),
    ("路灯", "路登"),
    ("退款", "退宽"),
    ("施工", "实工"),
    ("诈骗", "炸骗"),
    ("学校", "学效"),
]


def tree() -> dict:
    return json.loads((DATA / "categories.json").read_text(encoding="utf-8"))


def leaves(data: dict | None = None) -> list[dict]:
    return [leaf for parent in (data or tree())["tree"] for leaf in parent["children"]]


def department_for(duty: str, district: str, street: str) -> str:
    """The department code a leaf's ``duty`` names at a place (``city:sh-transport``,
    ``district:scj`` → ``310115-scj``, ``street:office`` → ``310115004-office``)."""
    level, code = duty.split(":", 1)
    if level == "city":
        return code
    return f"{district}-{code}" if level == "district" else f"{street}-{code}"


def kind_for(code: str, rng: random.Random) -> str:
    if code == "civil-praise":
        return "praise"
    if code in {"civil-policy", "civil-marriage", "edu-enroll", "housing-fund", "social-insurance"}:
        return "consult"
    if code in {"safety-fraud", "city-illegal-build", "market-license"}:
        return "report"
    return rng.choice(["complaint", "complaint", "help", "suggestion"])


def _place_text(place: tuple, rng: random.Random) -> str:
    district, street, road = place[1], place[3], place[4]
    return rng.choice(
        [
            f"{district}{street}",
            f"{road}{rng.randint(1, 999)}号",
            f"{street}{road}{rng.randint(1, 300)}弄",
            f"{district}{road}",
            f"{road}{rng.randint(1, 99)}弄小区",
        ]
    )


def _swap(text: str, pairs: list[tuple[str, str]], rng: random.Random, p: float) -> str:
    for old, new in pairs:
        if old in text and rng.random() < p:
            text = text.replace(old, new)
    return text


def _row(leaf: dict, text: str, place: tuple, rng: random.Random, source: str = "") -> dict:
    row = {
        "text": text,
        "category": leaf["code"],
        "kind": kind_for(leaf["code"], rng),
        "district": place[0],
        "street": place[2],
        "department": department_for(leaf["duty"], place[0], place[2]),
    }
    if source:
        row["source"] = source  # which phrase or term: validation splits keep it whole
    return row


def generate(*, train_per_leaf: int = 64, test_per_leaf: int = 11, seed: int = 12345):
    rng = random.Random(seed)
    train, test = [], []
    for leaf in leaves():
        for _ in range(train_per_leaf):
            place = rng.choice(PLACES)
            if rng.random() < 0.6:
                i = rng.randrange(len(leaf["phrases"]))
                phrase, source = leaf["phrases"][i], f"{leaf['code']}:p{i}"
            else:
                i = rng.randrange(len(leaf["terms"]))
                phrase = leaf["terms"][i] + rng.choice(PREDICATES)
                source = f"{leaf['code']}:t{i}"
            text = rng.choice(TRAIN_TEMPLATES).format(place=_place_text(place, rng), phrase=phrase)
            text = _swap(text, DIALECT, rng, 0.1)
            text = _swap(text, TYPOS, rng, 0.05)
            train.append(_row(leaf, text, place, rng, source))
        for i in range(test_per_leaf):
            place = rng.choice(PLACES)
            # Half the held-out tickets say the problem in words the training set never uses.
            pool = leaf["test_phrases"] if i % 2 == 0 else leaf["phrases"]
            phrase = rng.choice(pool)
            filler, filler2 = rng.sample(FILLERS, 2)
            text = rng.choice(TEST_TEMPLATES).format(
                place=_place_text(place, rng),
                phrase=phrase,
                filler=filler,
                filler2=filler2,
                urge=rng.choice(URGES),
            )
            text = _swap(text, DIALECT, rng, 0.6)
            text = _swap(text, TYPOS, rng, 0.35)
            test.append(_row(leaf, text, place, rng))
    rng.shuffle(train)
    rng.shuffle(test)
    return train, test


def load(name: str) -> list[dict]:
    return json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))


def _dump(rows: list[dict], path: Path) -> None:
    lines = ",\n".join(json.dumps(r, ensure_ascii=False, sort_keys=True) for r in rows)
    path.write_text(f"[\n{lines}\n]\n", encoding="utf-8")


if __name__ == "__main__":
    train_rows, test_rows = generate()
    _dump(train_rows, DATA / "train.json")
    _dump(test_rows, DATA / "test.json")
    overlap = {r["text"] for r in train_rows} & {r["text"] for r in test_rows}
    print(f"train {len(train_rows)}, test {len(test_rows)}, identical texts {len(overlap)}")
