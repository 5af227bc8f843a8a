(function(){
function val(td){var v=td.getAttribute('data-v');return v===null?td.textContent.trim():v;}
document.querySelectorAll('table.sortable').forEach(function(t){
  var ths=t.tHead.rows[0].cells;
  Array.prototype.forEach.call(ths,function(th,i){th.addEventListener('click',function(){
    var asc=th.getAttribute('data-dir')!=='asc';
    Array.prototype.forEach.call(ths,function(h){h.removeAttribute('data-dir');});
    th.setAttribute('data-dir',asc?'asc':'desc');
    var rows=Array.prototype.slice.call(t.tBodies[0].rows);
    rows.sort(function(a,b){var x=val(a.cells[i]),y=val(b.cells[i]);var nx=parseFloat(x),ny=parseFloat(y);
      var c=(!isNaN(nx)&&!isNaN(ny))?nx-ny:x.localeCompare(y);return asc?c:-c;});
    rows.forEach(function(r){t.tBodies[0].appendChild(r);});
  });});
});
document.querySelectorAll('input.filter').forEach(function(inp){
  inp.addEventListener('input',function(){var q=inp.value.toLowerCase();
    var t=document.getElementById(inp.getAttribute('data-table'));
    Array.prototype.forEach.call(t.tBodies[0].rows,function(r){
      r.style.display=r.textContent.toLowerCase().indexOf(q)>=0?'':'none';});});
});
var sel=document.getElementById('phase-filter');
if(sel){sel.addEventListener('change',function(){
  document.querySelectorAll('#forest g.mark').forEach(function(g){
    g.style.opacity=(sel.value===''||g.getAttribute('data-phase')===sel.value)?'1':'0.12';});});}
document.body.setAttribute('data-ready','1');
})();
